//! `X-Hub-Signature-256` verification: HMAC-SHA256 of the raw body, compared in constant time
//! against every configured secret (several secrets allow rotating without dropping deliveries).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The webhook secrets, never printed (`Debug` shows only how many there are).
#[derive(Clone, Default)]
pub struct WebhookSecrets(Vec<Vec<u8>>);

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecrets(<{} redacted>)", self.0.len())
    }
}

impl WebhookSecrets {
    /// Parse a comma-separated list (`SECARCH_WEBHOOK_SECRET=new,old`); blanks are dropped.
    pub fn parse(list: &str) -> Self {
        WebhookSecrets(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        )
    }

    /// How many secrets are configured.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No secret configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `header` (`sha256=<hex>`) is the HMAC of `body` under any secret. A missing or
    /// malformed header never verifies.
    pub fn verify(&self, header: Option<&str>, body: &[u8]) -> bool {
        let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
            return false;
        };
        let Ok(sig) = hex::decode(hex_sig) else {
            return false;
        };
        // Every secret is tried (no early exit on the first match would leak which one matched,
        // but the count of secrets is not secret; the comparison itself is constant-time).
        self.0.iter().any(|secret| {
            HmacSha256::new_from_slice(secret)
                .map(|mut mac| {
                    mac.update(body);
                    mac.verify_slice(&sig).is_ok()
                })
                .unwrap_or(false)
        })
    }
}

/// `sha256=<hex>` for `body` under `secret` (tests, benchmarks and tooling that send deliveries).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this branch is unreachable in practice.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_secret_verifies_and_tampering_fails() {
        let secrets = WebhookSecrets::parse(" new , old ,");
        assert_eq!(secrets.len(), 2);
        let body = br#"{"zen":"Keep it logically awesome."}"#;
        assert!(secrets.verify(Some(&sign("new", body)), body));
        assert!(secrets.verify(Some(&sign("old", body)), body));
        assert!(!secrets.verify(Some(&sign("other", body)), body));
        assert!(!secrets.verify(Some(&sign("new", body)), b"{}"));
        assert!(!secrets.verify(None, body));
        assert!(!secrets.verify(Some("sha1=abcd"), body));
        assert!(!secrets.verify(Some("sha256=zz"), body));
        assert!(!WebhookSecrets::parse("").verify(Some(&sign("", body)), body));
        assert_eq!(format!("{secrets:?}"), "WebhookSecrets(<2 redacted>)");
    }

    #[test]
    fn known_vector() {
        // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
        assert_eq!(
            sign("It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
