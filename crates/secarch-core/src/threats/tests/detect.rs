use crate::policy::ThreatModelFormat::{self, *};
use crate::threats::detect;

fn d(path: &str, text: &str) -> Option<ThreatModelFormat> {
    detect(path, text.as_bytes())
}

#[test]
fn each_format_by_its_keys() {
    assert_eq!(
        d("a.otm.yaml", "otmVersion: 0.2.0\nproject: {id: p}\n"),
        Some(Otm)
    );
    assert_eq!(d("m.otm", "{\"otmVersion\": \"0.1.0\"}"), Some(Otm));
    assert_eq!(
        d("threagile.yaml", "threagile_version: 1.0.0\n"),
        Some(Threagile)
    );
    assert_eq!(
        d("td.json", r#"{"summary": {}, "detail": {"diagrams": []}}"#),
        Some(ThreatDragon)
    );
    assert_eq!(
        d("tm.json", r#"{"scope": {}, "threats": [], "controls": []}"#),
        Some(TmBom)
    );
    assert_eq!(
        d("x.yml", "threats:\n  - {id: T-1, status: open}\n"),
        Some(Native)
    );
    assert_eq!(d("docs/threat-model.yaml", "threats: []\n"), Some(Native));
}

#[test]
fn everything_else_is_not_a_model() {
    assert_eq!(d("x.yaml", "threats: []\n"), None); // empty list, generic name
    assert_eq!(d("x.yaml", "threats:\n  - just a string\n"), None);
    assert_eq!(d("notes.txt", "otmVersion: 0.2.0\n"), None); // extension
    assert_eq!(d("ci.yml", "jobs: {build: {runs-on: ubuntu}}\n"), None);
    assert_eq!(d("broken.json", "{\"otmVersion\": "), None);
    assert_eq!(detect("bin.json", b"\xff\xfe{\"threats\": 1}"), None);
    assert_eq!(d("list.json", "[{\"threats\": []}]"), None);
}
