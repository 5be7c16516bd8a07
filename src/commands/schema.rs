//! `secarch schema document|policy`: JSON Schemas for editors
//! (`# yaml-language-server: $schema=…`).

/// The JSON Schema of the document front matter (`secarch/v1`).
pub const DOCUMENT_SCHEMA: &str = include_str!("../../config/schema/document.schema.json");
/// The JSON Schema of `.github/secarch.yml`.
pub const POLICY_SCHEMA: &str = include_str!("../../config/schema/policy.schema.json");

/// Print one schema.
pub fn schema(which: &str) -> u8 {
    match which {
        "document" => print!("{DOCUMENT_SCHEMA}"),
        "policy" => print!("{POLICY_SCHEMA}"),
        other => {
            return super::fail(format!(
                "unknown schema {other:?}; use `secarch schema document` or `secarch schema policy`"
            ));
        }
    }
    0
}
