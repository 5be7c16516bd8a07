//! Credentials as GitHub checks them: the App JWT on `/app/...`, installation tokens elsewhere.

use std::time::SystemTime;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::state::State;

/// Verify an App JWT: RS256 signature by the App key, `iss` = App id, `iat`/`exp` present,
/// `exp` in the future and at most 10 minutes after `iat` (GitHub's rules).
pub fn verify_jwt(jwt: &str, public_pem: &[u8], app_id: u64) -> Result<(), String> {
    let key =
        DecodingKey::from_rsa_pem(public_pem).map_err(|e| format!("bad test public key: {e}"))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss"]);
    let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map_err(|e| format!("JWT rejected: {e}"))?;
    let claims = data.claims;
    let iss_ok = match claims.get("iss") {
        Some(Value::String(s)) => s == &app_id.to_string(),
        Some(Value::Number(n)) => n.as_u64() == Some(app_id),
        _ => false,
    };
    if !iss_ok {
        return Err(format!(
            "JWT iss {:?} is not the App id {app_id}",
            claims.get("iss")
        ));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("JWT iat is not a number")?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("JWT exp is not a number")?;
    if exp - iat > 600 {
        return Err(format!(
            "JWT lifetime {}s exceeds GitHub's 10 minutes",
            exp - iat
        ));
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if iat > now + 60 {
        return Err("JWT iat is in the future".into());
    }
    Ok(())
}

/// The installation of a valid, unexpired token the fake issued.
pub fn installation_of(state: &State, token: &str) -> Result<u64, String> {
    let issued = state
        .tokens
        .get(token)
        .ok_or("unknown installation token")?;
    if issued.expires_at <= SystemTime::now() {
        return Err("installation token expired".into());
    }
    Ok(issued.installation_id)
}

/// The credential of an `Authorization: Bearer X` / `token X` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    h.strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
        .or_else(|| h.strip_prefix("token "))
        .map(str::trim)
}
