//! `secarch schema document|policy`: JSON Schemas for editors
//! (`# yaml-language-server: $schema=…`).
//!
//! The policy schema is generated from the policy file's types ([`crate::policy::json_schema`]);
//! `config/schema/policy.schema.json` is that output, committed, and a test keeps the two equal.
//! The document schema is still kept by hand.

/// The JSON Schema of the document front matter (`secarch/v1`).
pub const DOCUMENT_SCHEMA: &str = include_str!("../../config/schema/document.schema.json");

/// The JSON Schema of `.github/secarch.yml`.
pub fn policy_schema() -> String {
    crate::policy::json_schema()
}

/// Print one schema.
pub fn schema(which: &str) -> u8 {
    match which {
        "document" => super::emit(DOCUMENT_SCHEMA, 0),
        "policy" => super::emit(&policy_schema(), 0),
        other => super::fail(format!(
            "unknown schema {other:?}; use `secarch schema document` or `secarch schema policy`"
        )),
    }
}
