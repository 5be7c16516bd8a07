//! Inputs meant to hurt: size, encoding, binary data, alias bombs, deep nesting.

use super::*;
use crate::policy::ThreatModelRef;
use crate::source::{MAX_FILE_BYTES, MemorySource};
use crate::threats::{build_registry, load};

fn all_formats(bytes: &[u8]) -> Vec<Result<Vec<Threat>, LoadError>> {
    ThreatModelFormat::ALL
        .iter()
        .map(|f| parse(*f, "model.yaml", bytes, &|_| None))
        .collect()
}

#[test]
fn too_large() {
    let big = vec![b' '; usize::try_from(MAX_FILE_BYTES).unwrap() + 1];
    for r in all_formats(&big) {
        assert!(matches!(r, Err(LoadError::TooLarge { .. })), "{r:?}");
    }
}

#[test]
fn not_utf8_says_where() {
    let e = p_bytes(b"threats:\n  - id: \xff\xfe\n");
    assert_eq!(e, LoadError::NotUtf8 { line: 2, column: 9 });
    assert!(e.to_string().contains("save the model as UTF-8"));
    // UTF-16 with a byte-order mark.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("threats: []".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    assert!(matches!(
        p_bytes(&utf16),
        LoadError::NotUtf8 { line: 1, column: 1 }
    ));
}

fn p_bytes(b: &[u8]) -> LoadError {
    parse(ThreatModelFormat::Native, "tm.yaml", b, &|_| None).unwrap_err()
}

#[test]
fn a_utf8_byte_order_mark_is_fine() {
    let t = p(
        ThreatModelFormat::Native,
        "tm.yaml",
        "\u{feff}threats: [{id: T}]\n",
    )
    .unwrap();
    assert_eq!(ids(&t), ["T"]);
    let t = p(
        ThreatModelFormat::TmBom,
        "tm.json",
        "\u{feff}{\"threats\": []}",
    )
    .unwrap();
    assert!(t.is_empty());
}

#[test]
fn binary_and_garbage_give_errors_not_panics() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for len in [1usize, 7, 64, 1000, 5000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect();
        for r in all_formats(&bytes) {
            assert!(r.is_err(), "random bytes parsed as a model: {r:?}");
        }
    }
    for r in all_formats(b"\0\0\0\0") {
        assert!(r.is_err());
    }
}

#[test]
fn yaml_alias_bombs_stop_at_the_budget() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let cur = (b'a' + i) as char;
        bomb.push_str(&format!(
            "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    bomb.push_str("threats: *l\n");
    // All YAML formats share one parser and budget: one format is enough here
    // (the fuzz targets cover the others).
    let start = std::time::Instant::now();
    let e = p(ThreatModelFormat::Native, "tm.yaml", &bomb).unwrap_err();
    assert!(
        matches!(&e, LoadError::Limit(m) if m.starts_with("tm.yaml (at line ")
            && m.contains("is over a safety limit and is not read: its aliases (`*name`) expand to more than 100,000 values")),
        "{e:?}"
    );
    // About 6 s in a debug build, well under one in release.
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}

#[test]
fn yaml_byte_bombs_stop_at_the_byte_limit() {
    // One 2 MiB string aliased 3,000 times: few nodes, 6 GB of text.
    let big = "a".repeat(2 * 1024 * 1024);
    let bomb = format!(
        "x-pad: &big \"{big}\"\nx-list: [{}]\nthreats: []\n",
        vec!["*big"; 3000].join(", ")
    );
    let e = p(ThreatModelFormat::Native, "tm.yaml", &bomb).unwrap_err();
    assert!(
        matches!(&e, LoadError::Limit(m) if m.contains("its text grows past 32 MiB")),
        "{e:?}"
    );
}

#[test]
fn deep_yaml_nesting_is_refused() {
    let deep = format!("threats: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    for r in all_formats(deep.as_bytes()) {
        assert!(r.is_err());
    }
    let block = |depth: usize| {
        let mut block = String::from("otmVersion: 0.2.0\nproject:\n");
        for i in 0..depth {
            block.push_str(&" ".repeat(i * 2 + 2));
            block.push_str("- a:\n");
        }
        block
    };
    // 31 sequences + 31 mappings under the root: within the limit of 64, and
    // no stack overflow even on a small thread stack (debug builds use ~65 KiB
    // a level; the deserializer grows the stack).
    let ok = block(31);
    let small = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || p(ThreatModelFormat::Otm, "tm.yaml", &ok).is_ok())
        .unwrap();
    assert!(small.join().unwrap());
    let e = p(ThreatModelFormat::Native, "tm.yaml", &block(200)).unwrap_err();
    assert!(
        matches!(&e, LoadError::Limit(m) if m.contains("it nests deeper than 64 levels; flatten the nesting")),
        "{e:?}"
    );
}

#[test]
fn failures_are_collected_with_reasons_and_positions() {
    let src = MemorySource::default()
        .with("tm/ok.yaml", "threats: [{id: T-1}]\n")
        .with(
            "tm/bad.json",
            "{\n  \"threats\": [\n    {\"title\": \"x\"}\n  ]\n}\n",
        )
        .with("tm/broken.yaml", "threats: [\n");
    let r = |format, path: &str| ThreatModelRef {
        format,
        path: path.to_string(),
        namespace: None,
    };
    let refs = [
        r(ThreatModelFormat::Native, "./tm/ok.yaml"),
        r(ThreatModelFormat::TmBom, "tm/bad.json"),
        r(ThreatModelFormat::Native, "tm/broken.yaml"),
        r(ThreatModelFormat::Otm, "tm/none.yaml"),
    ];
    let (reg, failures) = build_registry(&refs, &src);
    assert_eq!(reg.len(), 1);
    let got: Vec<(&str, u32, u32)> = failures
        .iter()
        .map(|f| (f.namespace.as_str(), f.line, f.column))
        .collect();
    assert_eq!(got, [("tm-bom", 3, 5), ("native", 1, 10), ("otm", 0, 0)]);
    assert!(
        failures[0]
            .reason
            .starts_with("tm/bad.json:3:5: this threat has no `symbolic_name`"),
        "{}",
        failures[0].reason
    );
    assert!(
        failures[2].reason.contains("does not exist in the memory"),
        "{}",
        failures[2].reason
    );
    assert!(matches!(
        load(&refs[3], &src),
        Err(LoadError::Missing { .. })
    ));
}
