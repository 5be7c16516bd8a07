//! `X-Hub-Signature-256` verification: HMAC-SHA256 of the raw body, compared in constant time
//! against every configured secret (several secrets allow rotating without dropping deliveries).
//!
//! The header is checked for shape first ([`WebhookSecrets::verifier`]) so that a delivery
//! without a well-formed signature is refused before a byte of its body is read, and the HMAC
//! is then computed while the body streams in ([`Verifier`]) rather than over a buffered copy.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The webhook secrets, never printed (`secrecy`'s `Debug` shows only how many there are).
#[derive(Debug, Clone, Default)]
pub struct WebhookSecrets(Vec<SecretSlice<u8>>);

impl WebhookSecrets {
    /// Parse a comma-separated list (`SECARCH_WEBHOOK_SECRET=new,old`); blanks are dropped.
    pub fn parse(list: &str) -> Self {
        WebhookSecrets(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| SecretSlice::from(s.as_bytes().to_vec()))
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
        self.verifier(header).is_some_and(|mut v| {
            v.update(body);
            v.finish()
        })
    }

    /// A verifier for a body signed with `header`, or `None` when the header is missing or is
    /// not `sha256=` followed by 64 hex digits (then no body can verify, so none needs reading)
    /// or no secret is configured.
    pub fn verifier(&self, header: Option<&str>) -> Option<Verifier> {
        let hex_sig = header?.trim().strip_prefix("sha256=")?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_sig, &mut expected).ok()?;
        let macs: Vec<HmacSha256> = self
            .0
            .iter()
            .filter_map(|secret| HmacSha256::new_from_slice(secret.expose_secret()).ok())
            .collect();
        (!macs.is_empty()).then_some(Verifier { expected, macs })
    }
}

/// The HMAC of a body in progress under every configured secret, fed as the body arrives.
pub struct Verifier {
    expected: [u8; 32],
    macs: Vec<HmacSha256>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Verifier(<{} secrets>)", self.macs.len())
    }
}

impl Verifier {
    /// Add the next part of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        for mac in &mut self.macs {
            mac.update(chunk);
        }
    }

    /// Whether the whole body matches the signature under any secret. Every secret is compared
    /// (constant time each; how many secrets there are is not secret).
    pub fn finish(self) -> bool {
        let expected = self.expected;
        self.macs
            .into_iter()
            .fold(false, |ok, mac| mac.verify_slice(&expected).is_ok() | ok)
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
        let shown = format!("{secrets:?}");
        assert_eq!(shown.matches("REDACTED").count(), 2, "{shown}");
        assert!(!shown.contains("new") && !shown.contains("old"), "{shown}");
    }

    #[test]
    fn a_body_fed_in_parts_verifies_like_the_whole_and_bad_headers_need_no_body() {
        let secrets = WebhookSecrets::parse("new,old");
        let body = b"{\"zen\":\"Design for failure.\",\"pad\":\"xxxxxxxxxxxxxxxx\"}";
        let sig = sign("old", body);
        let mut v = secrets.verifier(Some(&sig)).expect("well-formed");
        for part in body.chunks(7) {
            v.update(part);
        }
        assert!(v.finish());
        let mut v = secrets.verifier(Some(&sig)).expect("well-formed");
        v.update(&body[1..]);
        assert!(!v.finish());
        let short = &sig[..sig.len() - 2];
        for bad in [
            None,
            Some("sha256=zz"),
            Some("sha1=00"),
            Some(short),
            Some(""),
        ] {
            assert!(secrets.verifier(bad).is_none(), "{bad:?}");
        }
        assert!(WebhookSecrets::default().verifier(Some(&sig)).is_none());
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
