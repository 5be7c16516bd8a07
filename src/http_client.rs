//! What secarch's two HTTP clients (the GitHub API client in `github/` and
//! the mirror's git transport in `mirror/`) say about themselves and about
//! their errors, written once.

use std::error::Error as StdError;

/// The `User-Agent` of every request secarch sends.
pub(crate) const USER_AGENT: &str = concat!("secarch/", env!("CARGO_PKG_VERSION"));

/// `e` and its sources, each once: reqwest's top level alone says "error
/// sending request", and reqwest and hyper repeat each other's text. Redacted
/// (URL credentials, token-shaped words): reqwest's messages quote the URL.
pub(crate) fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = source.source();
    }
    crate::redact::redact(&out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_is_redacted() {
        let inner = std::io::Error::other("connection refused");
        let outer = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            Chained(
                "error sending request for url (https://user:hunter2@ghe.example/api/v3/app)",
                inner,
            ),
        );
        let text = error_chain(&outer);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ghe.example/api/v3/app"), "{text}");
        assert!(text.contains("connection refused"), "{text}");
    }

    #[derive(Debug)]
    struct Chained(&'static str, std::io::Error);

    impl std::fmt::Display for Chained {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Chained {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.1)
        }
    }
}
