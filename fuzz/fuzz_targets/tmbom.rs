#![no_main]
//! Fuzz the tmbom adapter (JSON or YAML, sniffed from the first character).

use libfuzzer_sys::fuzz_target;
use secarch::policy::ThreatModelFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check(ThreatModelFormat::TmBom, "model", data, &|_| None);
});
