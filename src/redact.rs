//! Redaction of secrets from text that may reach a log, an error or `--help`:
//! a known secret, anything shaped like a GitHub token, and the user-info part
//! (user and password) of URLs. One place, so that every URL secarch prints —
//! settings quoted back in configuration errors, clone URLs, the messages of
//! libgit2 and of the HTTP clients — goes through the same rules.
//!
//! Secrets secarch *holds* (the App key, webhook secrets, JWTs, installation
//! tokens) are `secrecy` types and never need this: their `Debug` is redacted
//! and they have no `Display`. What is left here is what `secrecy` cannot do:
//! scrubbing credentials out of text someone else wrote — a URL setting, a
//! clone URL, an error message from libgit2 or an HTTP client.

use url::Url;

const REDACTED: &str = "[redacted]";

/// GitHub token prefixes (installation, personal, OAuth, user-to-server,
/// refresh, fine-grained personal).
const TOKEN_PREFIXES: [&str; 6] = ["ghs_", "ghp_", "gho_", "ghu_", "ghr_", "github_pat_"];

/// One URL as given by a user (a setting, a clone URL), safe to quote back:
/// `https://user:password@host/path` → `https://[redacted]@host/path`.
///
/// Stricter than [`redact`] because the whole value is known to be one URL:
/// when it does not even parse (a password with a `/` or a space in it makes
/// the host unparseable), everything up to the last `@` is taken to be
/// credentials, and so it is without `://` (`user:password@host` parses with
/// `user` as its scheme): a malformed URL is never the way a password gets
/// printed.
/// Redact *before* shortening the text: a cut could drop the `@` that marks
/// the credentials.
pub(crate) fn url(raw: &str) -> String {
    let scheme_end = raw.find("://");
    let start = scheme_end.map_or(0, |i| i + 3);
    let rest = &raw[start..];
    let at = match Url::parse(raw.trim()) {
        // `user:password@host` parses as scheme `user`: without `://` trust no parse.
        _ if scheme_end.is_none() => rest.rfind('@'),
        Ok(u) if u.username().is_empty() && u.password().is_none() => None,
        Ok(_) => {
            let authority = rest
                .find(['/', '?', '#', '\\'])
                .map_or(rest, |end| &rest[..end]);
            authority.rfind('@').or_else(|| rest.rfind('@'))
        }
        Err(_) => rest.rfind('@'),
    };
    match at {
        Some(at) => format!("{}{REDACTED}{}", &raw[..start], &rest[at..]),
        None => raw.to_string(),
    }
}

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
    fn one_url_loses_its_credentials_and_keeps_the_rest() {
        for (raw, want) in [
            (
                "https://user:hunter2@ghe.example/api/v3",
                "https://[redacted]@ghe.example/api/v3",
            ),
            (
                "http://:hunter2@ghe.example:8443/api",
                "http://[redacted]@ghe.example:8443/api",
            ),
            ("https://token@host/x?y=1", "https://[redacted]@host/x?y=1"),
            // Unparseable: everything to the last `@` is treated as credentials.
            (
                "https://user:hun/ter2@ghe.example/api/v3",
                "https://[redacted]@ghe.example/api/v3",
            ),
            (
                "https://user:hunter 2@ghe example/api",
                "https://[redacted]@ghe example/api",
            ),
            ("user:hunter2@ghe.example/api", "[redacted]@ghe.example/api"),
            // Nothing to hide: returned as given, `@` in a path included.
            ("https://api.github.com", "https://api.github.com"),
            ("https://ghe.example/api/@v3", "https://ghe.example/api/@v3"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(url(raw), want, "{raw}");
            assert!(!url(raw).contains("hunter"), "{raw}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "failed to connect to 127.0.0.1: Connection refused; class=Net (12)";
        assert_eq!(redact(text, Some("")), text);
        assert_eq!(redact(text, None), text);
    }
}
