//! RFC 8288 `Link` header parsing, for GitHub's pagination (`rel="next"`).

/// The target of the link whose `rel` contains `wanted` (e.g. `next`), if any.
///
/// Grammar handled: `<uri> *( ";" param )` entries separated by `,`; param values may be quoted
/// (and contain `,` or `;` inside quotes); `rel` may list several space-separated relations.
pub fn find_rel(header: &str, wanted: &str) -> Option<String> {
    let mut rest = header;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let after_open = rest.strip_prefix('<')?;
        let close = after_open.find('>')?;
        let target = &after_open[..close];
        rest = &after_open[close + 1..];
        // Parameters up to the next top-level comma.
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start();
            let Some(after_semi) = rest.strip_prefix(';') else {
                break;
            };
            let (param, remaining) = split_param(after_semi);
            params.push(param);
            rest = remaining;
        }
        let matches = params.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("rel")
                && value
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(wanted))
        });
        if matches {
            return Some(target.to_string());
        }
        if rest.trim().is_empty() {
            return None;
        }
    }
}

/// One `name=value` (value optionally quoted) and the unparsed remainder.
fn split_param(input: &str) -> ((String, String), &str) {
    let input = input.trim_start();
    let name_end = input.find(['=', ';', ',']).unwrap_or(input.len());
    let name = input[..name_end].trim().to_string();
    let rest = &input[name_end..];
    let Some(value_part) = rest.strip_prefix('=') else {
        return ((name, String::new()), rest);
    };
    let value_part = value_part.trim_start();
    if let Some(quoted) = value_part.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return ((name, value), &quoted[i + 1..]),
                _ => value.push(c),
            }
        }
        ((name, value), "")
    } else {
        let end = value_part.find([';', ',']).unwrap_or(value_part.len());
        (
            (name, value_part[..end].trim().to_string()),
            &value_part[end..],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style_header() {
        let h = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            find_rel(h, "next").as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(
            find_rel(h, "last").as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=5")
        );
        assert_eq!(find_rel(h, "prev"), None);
    }

    #[test]
    fn quoted_commas_multiple_rels_and_garbage() {
        let h = r#"<a>; title="x, y; z"; rel="prev", <b>; rel="first next""#;
        assert_eq!(find_rel(h, "next").as_deref(), Some("b"));
        assert_eq!(find_rel(h, "prev").as_deref(), Some("a"));
        assert_eq!(find_rel("<c>; rel=next", "NEXT").as_deref(), Some("c"));
        assert_eq!(find_rel("", "next"), None);
        assert_eq!(find_rel("garbage", "next"), None);
        assert_eq!(find_rel("<unterminated; rel=next", "next"), None);
        assert_eq!(find_rel(r#"<d>; rel="next"#, "next").as_deref(), Some("d"));
    }
}
