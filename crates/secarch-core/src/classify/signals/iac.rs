//! Infrastructure as code (Terraform/HCL, Bicep, ARM and CloudFormation
//! templates): new lines that open a network to the internet (`0.0.0.0/0`,
//! `::/0`, `"*"` source prefixes), grant IAM wildcards, or make a resource public.
//!
//! Read as new lines (see `text::new_lines`), not parsed: HCL has no parser in our
//! dependency set, `terraform fmt` keeps one attribute per line, and the values we
//! look for are literal tokens on the attribute's line, so a line scan finds them
//! with their exact line. The same scan serves Bicep and JSON/YAML templates, whose
//! schemas differ per cloud but spell these facts the same way.

use super::signal;
use crate::classify::Signal;
use crate::classify::text::new_lines;

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let mut out = Vec::new();
    for (line, text) in new_lines(base, head) {
        let t = text.trim();
        if t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        let open_cidr = compact.contains("0.0.0.0/0") || compact.contains("\"::/0\"");
        // ARM/Bicep network rules: `"sourceAddressPrefix": "*"` or `"Internet"`.
        let open_prefix = (lower.contains("sourceaddressprefix")
            || lower.contains("source_address_prefix"))
            && (compact.contains(":\"*\"")
                || compact.contains("=\"*\"")
                || compact.contains("'*'")
                || compact.contains("\"internet\""));
        if open_cidr || open_prefix {
            out.push(signal(
                "open-cidr",
                format!("open to the internet: {t}"),
                Some(line),
            ));
        }
        if lower.contains("action") && (compact.contains("\"*\"") || compact.contains("'*'"))
            || compact.contains("\"iam:*\"")
        {
            out.push(signal(
                "iam-wildcard",
                format!("IAM wildcard: {t}"),
                Some(line),
            ));
        }
        const PUBLIC: [&str; 6] = [
            "publicly_accessible=true",
            "associate_public_ip_address=true",
            "\"publicnetworkaccess\":\"enabled\"",
            "publicnetworkaccess:'enabled'",
            "\"publicaccess\":\"blob\"",
            "acl=\"public-read",
        ];
        if PUBLIC.iter().any(|p| compact.contains(p)) {
            out.push(signal(
                "public-exposure",
                format!("public access: {t}"),
                Some(line),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_open_ingress_and_iam_wildcard() {
        let base =
            "resource \"aws_security_group_rule\" \"in\" {\n  cidr_blocks = [\"10.0.0.0/8\"]\n}\n";
        let head = "resource \"aws_security_group_rule\" \"in\" {\n  cidr_blocks = [\"0.0.0.0/0\"]\n}\n# cidr 0.0.0.0/0 in a comment\nresource \"aws_db_instance\" \"db\" {\n  publicly_accessible = true\n}\ndata \"aws_iam_policy_document\" \"p\" {\n  statement {\n    actions = [\"*\"]\n  }\n}\n";
        let got: Vec<_> = signals(Some(base), head)
            .into_iter()
            .map(|s| (s.kind, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("open-cidr".to_string(), Some(2)),
                ("public-exposure".to_string(), Some(6)),
                ("iam-wildcard".to_string(), Some(10)),
            ]
        );
    }

    #[test]
    fn moved_lines_and_arm_templates() {
        let base = "a = 1\ncidr_blocks = [\"0.0.0.0/0\"]\n";
        let head = "cidr_blocks = [\"0.0.0.0/0\"]\na = 1\n";
        assert!(signals(Some(base), head).is_empty());
        let arm = "{\n  \"properties\": {\n    \"sourceAddressPrefix\": \"*\",\n    \"access\": \"Allow\"\n  }\n}\n";
        assert_eq!(signals(None, arm)[0].kind, "open-cidr");
        assert_eq!(signals(None, arm)[0].line, Some(3));
    }
}
