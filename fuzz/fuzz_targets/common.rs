//! Shared by the fuzz targets: parse, then check what every loaded model must
//! satisfy (no empty ids, every threat resolvable in a registry).

use secarch::policy::ThreatModelFormat;
use secarch::threats::{Resolution, ThreatRegistry, parse};

/// Parse `data` as `format`; on success, check the invariants (a violation is a
/// crash the fuzzer reports).
pub fn check(format: ThreatModelFormat, path: &str, data: &[u8], sibling: &dyn Fn(&str) -> Option<Vec<u8>>) {
    let Ok(threats) = parse(format, path, data, sibling) else {
        return;
    };
    let mut registry = ThreatRegistry::default();
    registry.insert("ns", threats.clone());
    for t in &threats {
        assert!(!t.id.trim().is_empty(), "empty threat id");
        assert!(t.pos.is_known(), "threat {} without a position", t.id);
        match registry.resolve(&format!("ns:{}", t.id)) {
            Resolution::Found { .. } => {}
            other => panic!("threat {} does not resolve: {other:?}", t.id),
        }
    }
}
