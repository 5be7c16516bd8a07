//! GitHub App authentication: the App JWT (RS256) and cached installation access tokens.
//!
//! Tokens are `secrecy::SecretString` (redacting `Debug`, no `Display`, wiped on drop), exposed
//! only where they go on the wire (the `Authorization` header, the mirror's git fetch). The
//! signing key is `jsonwebtoken`'s own type, so [`AppCredentials`] keeps a hand-written redacting
//! `Debug`. A stray `{:?}` in a log line cannot leak either.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use time::OffsetDateTime;

use super::api_error::GitHubError;

/// The App's identity: its id and RSA private key (the PEM downloaded from the App settings).
#[derive(Clone)]
pub struct AppCredentials {
    app_id: u64,
    key: EncodingKey,
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// JWT claims GitHub expects from an App.
#[derive(Serialize)]
struct Claims {
    iat: i64,
    exp: i64,
    iss: String,
}

impl AppCredentials {
    /// Parse the App's PEM private key (PKCS#1 as GitHub issues it, or PKCS#8). The error never
    /// repeats the key's content.
    pub fn from_pem(app_id: u64, pem: &[u8]) -> Result<Self, GitHubError> {
        let key = EncodingKey::from_rsa_pem(pem).map_err(|_| {
            GitHubError::Config(
                "the GitHub App private key is not an RSA key in PEM format; download a new private key from the App's settings page and pass the .pem file unchanged"
                    .to_string(),
            )
        })?;
        Ok(AppCredentials { app_id, key })
    }

    /// The App id (`iss` of the JWT).
    pub fn app_id(&self) -> u64 {
        self.app_id
    }

    /// A fresh App JWT: issued 60 s in the past against clock drift, valid 9 minutes (GitHub's
    /// maximum is 10).
    pub(crate) fn jwt(&self) -> Result<SecretString, GitHubError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iat: now - 60,
            exp: now + 9 * 60,
            iss: self.app_id.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map(SecretString::from)
            .map_err(|e| {
                GitHubError::Config(format!(
                    "could not sign the GitHub App JWT ({:?}); check the App private key",
                    e.kind()
                ))
            })
    }
}

/// An installation token with its expiry.
#[derive(Debug, Clone)]
pub(crate) struct CachedToken {
    pub token: SecretString,
    pub expires_at: OffsetDateTime,
}

impl CachedToken {
    /// Still usable for at least `margin`.
    pub fn fresh(&self, margin: Duration, now: OffsetDateTime) -> bool {
        self.expires_at - now > margin
    }
}

/// One installation's token slot. The async mutex makes refresh single-flight: concurrent jobs
/// of one installation wait for one mint instead of minting one token each.
#[derive(Debug, Default)]
pub(crate) struct TokenSlot(tokio::sync::Mutex<Option<CachedToken>>);

impl TokenSlot {
    /// The cached token when fresh, else the result of `mint` (stored on success).
    pub async fn get_or_mint<F>(
        &self,
        margin: Duration,
        mint: F,
    ) -> Result<SecretString, GitHubError>
    where
        F: AsyncFnOnce() -> Result<CachedToken, GitHubError>,
    {
        let mut slot = self.0.lock().await;
        if let Some(t) = slot.as_ref()
            && t.fresh(margin, OffsetDateTime::now_utc())
        {
            return Ok(t.token.clone());
        }
        let minted = mint().await?;
        let token = minted.token.clone();
        *slot = Some(minted);
        Ok(token)
    }

    /// Forget `stale` (GitHub refused it) unless another task already replaced it.
    pub async fn invalidate(&self, stale: &SecretString) {
        let mut slot = self.0.lock().await;
        if slot
            .as_ref()
            .is_some_and(|t| t.token.expose_secret() == stale.expose_secret())
        {
            *slot = None;
        }
    }
}

/// Parse GitHub's `expires_at` (RFC 3339). Unparseable → 10 minutes from now: short enough to be
/// safe, long enough not to mint on every call.
pub(crate) fn parse_expiry(value: Option<&str>, now: OffsetDateTime) -> OffsetDateTime {
    value
        .and_then(|v| OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).ok())
        .unwrap_or(now + Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = CachedToken {
            token: SecretString::from("ghs_supersecret"),
            expires_at: OffsetDateTime::UNIX_EPOCH,
        };
        let shown = format!("{t:?} {t:#?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
        let pem = include_bytes!("../../tests/support/TEST-ONLY-github-app-private-key.pem");
        let app = AppCredentials::from_pem(7, pem).unwrap();
        let jwt = app.jwt().unwrap();
        let shown = format!("{app:?} {jwt:?}");
        assert!(!shown.contains(jwt.expose_secret()), "{shown}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
    }

    #[test]
    fn bad_pem_is_a_config_error_without_content() {
        let pem =
            b"-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETBYTES\n-----END RSA PRIVATE KEY-----\n";
        let e = AppCredentials::from_pem(1, pem).unwrap_err();
        assert!(matches!(e, GitHubError::Config(_)));
        assert!(!format!("{e} {e:?}").contains("TOPSECRET"));
    }

    #[test]
    fn expiry_parsing() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let t = parse_expiry(Some("2016-07-11T22:14:10Z"), now);
        assert_eq!(t.unix_timestamp(), 1_468_275_250);
        assert_eq!(parse_expiry(Some("soon"), now).unix_timestamp(), 600);
        assert_eq!(parse_expiry(None, now).unix_timestamp(), 600);
    }

    #[test]
    fn freshness_respects_margin() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let t = CachedToken {
            token: SecretString::from("x"),
            expires_at: now + Duration::from_secs(100),
        };
        assert!(t.fresh(Duration::from_secs(99), now));
        assert!(!t.fresh(Duration::from_secs(100), now));
    }
}
