//! Redaction of secrets from text that may reach a log or an error: the
//! installation token itself, anything shaped like a GitHub token, and the
//! user-info part of URLs. Applied to every libgit2 message the cache passes on.

const REDACTED: &str = "[redacted]";

/// GitHub token prefixes (installation, personal, OAuth, user-to-server,
/// refresh, fine-grained personal).
const TOKEN_PREFIXES: [&str; 6] = ["ghs_", "ghp_", "gho_", "ghu_", "ghr_", "github_pat_"];

/// `text` with `secret`, token-like words and URL credentials replaced.
pub(crate) fn redact(text: &str, secret: Option<&str>) -> String {
    let mut out = match secret {
        Some(s) if !s.is_empty() => text.replace(s, REDACTED),
        _ => text.to_string(),
    };
    out = redact_token_words(&out);
    redact_userinfo(&out)
}

fn redact_token_words(text: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| is_word(c)) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
        let word = &tail[..end];
        if TOKEN_PREFIXES
            .iter()
            .any(|p| word.starts_with(p) && word.len() >= p.len() + 8)
        {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `scheme://user:password@host` → `scheme://[redacted]@host`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_the_secret_and_token_shapes() {
        let text = "auth failed for s3cr3t-value and ghs_0123456789abcdefABCDEF and ghp_short";
        let out = redact(text, Some("s3cr3t-value"));
        assert_eq!(
            out,
            "auth failed for [redacted] and [redacted] and ghp_short"
        );
    }

    #[test]
    fn removes_url_credentials() {
        let out = redact(
            "cannot fetch https://x-access-token:abc@github.com/o/r.git and http://u@h:1/x; ok https://github.com/a@b",
            None,
        );
        assert_eq!(
            out,
            "cannot fetch https://[redacted]@github.com/o/r.git and http://[redacted]@h:1/x; ok https://github.com/a@b"
        );
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "failed to connect to 127.0.0.1: Connection refused; class=Net (12)";
        assert_eq!(redact(text, Some("")), text);
        assert_eq!(redact(text, None), text);
    }
}
