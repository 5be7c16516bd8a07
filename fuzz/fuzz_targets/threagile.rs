#![no_main]
//! Fuzz the Threagile adapter. Every include resolves to the input itself (so
//! include chains, cycles and the depth limit are exercised); when the first
//! byte is odd, `risks.json` is the input too.

use libfuzzer_sys::fuzz_target;
use secarch::policy::ThreatModelFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let with_risks = data.first().is_some_and(|b| b & 1 == 1);
    let sibling = |name: &str| {
        if name == "risks.json" && !with_risks {
            None
        } else {
            Some(data.to_vec())
        }
    };
    common::check(ThreatModelFormat::Threagile, "tm/threagile.yaml", data, &sibling);
});
