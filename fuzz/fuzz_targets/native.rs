#![no_main]
//! Fuzz the native adapter, front-matter threat lists and format detection.

use libfuzzer_sys::fuzz_target;
use secarch::policy::ThreatModelFormat;
use secarch::threats::{detect, parse_native_threats};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check(ThreatModelFormat::Native, "threat-model.yaml", data, &|_| None);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_native_threats("doc.md", text, 2);
    }
    let _ = detect("model.json", data);
    let _ = detect("threat-model.yaml", data);
});
