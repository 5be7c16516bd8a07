#![no_main]
//! Fuzz the threat_dragon adapter (JSON or YAML, sniffed from the first character).

use libfuzzer_sys::fuzz_target;
use secarch::policy::ThreatModelFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::check(ThreatModelFormat::ThreatDragon, "model", data, &|_| None);
});
