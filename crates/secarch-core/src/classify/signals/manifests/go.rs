//! `go.mod`: `require` directives, single-line or in a block. The go.mod grammar is
//! line-oriented (one directive or block entry per line, `//` comments), so this
//! line reader is its parser.

use super::Dep;
use crate::classify::text::line_number;

pub fn parse(text: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut in_require = false;
    let mut in_other_block = false;
    for (index, raw) in text.lines().enumerate() {
        let (code, comment) = match raw.find("//") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        };
        let indirect = comment.trim().starts_with("indirect");
        let words: Vec<&str> = code.split_whitespace().collect();
        let module = match words.as_slice() {
            [")"] => {
                in_require = false;
                in_other_block = false;
                continue;
            }
            ["require", "("] => {
                in_require = true;
                continue;
            }
            [_, "("] => {
                in_other_block = true;
                continue;
            }
            ["require", module, ..] if !in_require && !in_other_block => *module,
            [module, _version, ..] if in_require => *module,
            _ => continue,
        };
        if !indirect {
            out.push(Dep {
                name: module.trim_matches('"').to_string(),
                section: "require".to_string(),
                line: Some(line_number(index)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_lines_and_blocks_without_indirect() {
        let text = "module x\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n\nrequire (\n\tgolang.org/x/crypto v0.31.0 // indirect\n\t\"google.golang.org/grpc\" v1.68.0\n)\n\nreplace (\n\tgithub.com/a/b v1 => ../b\n)\n";
        let names: Vec<_> = parse(text).into_iter().map(|d| (d.name, d.line)).collect();
        assert_eq!(
            names,
            vec![
                ("github.com/gin-gonic/gin".to_string(), Some(5)),
                ("google.golang.org/grpc".to_string(), Some(9)),
            ]
        );
    }
}
