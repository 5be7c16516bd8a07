//! Server configuration (flags or environment, see `secarch serve --help`). Secrets are held in
//! types whose `Debug` is redacted, and no error message quotes them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::signature::WebhookSecrets;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// GitHub refuses webhook payloads above 25 MB; anything larger is not from GitHub.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// The App's private key (PEM text); `Debug` never shows it.
#[derive(Clone)]
pub struct PrivateKey(pub Vec<u8>);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

/// Log output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable, multi-line.
    Pretty,
}

/// How jobs run: concurrency, retries, reconciliation.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Pull requests evaluated at the same time (different PRs; one PR never runs twice at once).
    pub max_concurrent: usize,
    /// Attempts per job, the first included. After the last one the check run is completed with
    /// a failure that says what failed and to use "Re-run".
    pub attempts: u32,
    /// Backoff before retry `n` is `retry_base * 2^(n-1)`, capped at `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Longest pause an installation takes when GitHub rate-limits it.
    pub max_rate_limit_pause: Duration,
    /// Reconcile every this often (open PRs without a completed run are evaluated); `None`: only
    /// at start-up.
    pub reconcile_interval: Option<Duration>,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            max_concurrent: 4,
            attempts: 4,
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(120),
            max_rate_limit_pause: Duration::from_secs(15 * 60),
            reconcile_interval: Some(Duration::from_secs(15 * 60)),
        }
    }
}

impl JobSettings {
    /// Backoff before retrying after failed attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(16);
        self.retry_base
            .saturating_mul(1u32 << exp)
            .min(self.retry_max)
    }
}

/// Everything `secarch serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub app_id: u64,
    pub private_key: PrivateKey,
    pub webhook_secrets: WebhookSecrets,
    /// REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).
    pub api_url: String,
    pub listen: SocketAddr,
    /// Where the git mirrors live.
    pub cache_dir: PathBuf,
    /// Upper bound of the mirror cache; least recently used mirrors are evicted above it.
    pub cache_max_bytes: u64,
    pub log_format: LogFormat,
    /// Fetch `file://` clone URLs from payloads (tests, air-gapped mirrors). Off by default: a
    /// payload must not make the server read arbitrary local paths.
    pub allow_file_remotes: bool,
    pub jobs: JobSettings,
}

/// A configuration problem, phrased for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Raw settings as given by flags or environment (see `secarch serve --help`).
#[derive(Debug, Clone, Default)]
pub struct RawConfig {
    pub app_id: Option<u64>,
    pub private_key: Option<PrivateKey>,
    pub private_key_path: Option<PathBuf>,
    pub webhook_secret: Option<WebhookSecrets>,
    pub api_url: Option<String>,
    pub listen: Option<String>,
    pub cache_dir: Option<PathBuf>,
    pub cache_max_bytes: Option<u64>,
    pub log_format: Option<String>,
    pub allow_file_remotes: Option<String>,
    pub reconcile_interval_secs: Option<u64>,
    pub max_concurrent_jobs: Option<usize>,
}

impl RawConfig {
    /// Validate and complete the settings. Errors say which setting and how to fix it, and never
    /// quote a secret.
    pub fn resolve(self) -> Result<ServerConfig, ConfigError> {
        let app_id = self.app_id.filter(|&id| id > 0).ok_or_else(|| {
            ConfigError(
                "no App id: set SECARCH_APP_ID (or --app-id) to the id shown on the GitHub App's settings page".into(),
            )
        })?;
        let private_key = match (self.private_key, self.private_key_path) {
            (Some(k), _) if !k.0.is_empty() => k,
            (_, Some(path)) => PrivateKey(std::fs::read(&path).map_err(|e| {
                ConfigError(format!(
                    "cannot read the App private key from {} ({e}); set SECARCH_PRIVATE_KEY_PATH to the .pem file downloaded from the App settings",
                    path.display()
                ))
            })?),
            _ => {
                return Err(ConfigError(
                    "no App private key: set SECARCH_PRIVATE_KEY (PEM text) or SECARCH_PRIVATE_KEY_PATH (a .pem file)".into(),
                ));
            }
        };
        let webhook_secrets = self.webhook_secret.filter(|s| !s.is_empty()).ok_or_else(|| {
            ConfigError(
                "no webhook secret: set SECARCH_WEBHOOK_SECRET to the App's webhook secret (comma-separated to accept several while rotating)".into(),
            )
        })?;
        let listen_text = self.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text.parse().map_err(|_| {
            ConfigError(format!(
                "SECARCH_LISTEN `{listen_text}` is not an address:port such as {DEFAULT_LISTEN}"
            ))
        })?;
        let log_format = match self.log_format.as_deref().map(str::trim) {
            None | Some("") | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError(format!(
                    "SECARCH_LOG_FORMAT `{other}` is unknown; use `json` or `pretty`"
                )));
            }
        };
        let allow_file_remotes = match self.allow_file_remotes.as_deref().map(str::trim) {
            None | Some("") | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "SECARCH_ALLOW_FILE_REMOTES `{other}` is unknown; use 1 to allow file:// clone URLs or 0"
                )));
            }
        };
        let mut jobs = JobSettings::default();
        if let Some(n) = self.max_concurrent_jobs {
            jobs.max_concurrent = n.max(1);
        }
        if let Some(secs) = self.reconcile_interval_secs {
            jobs.reconcile_interval = (secs > 0).then(|| Duration::from_secs(secs));
        }
        Ok(ServerConfig {
            app_id,
            private_key,
            webhook_secrets,
            api_url: self
                .api_url
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| crate::github::DEFAULT_API_URL.to_string()),
            listen,
            cache_dir: self
                .cache_dir
                .unwrap_or_else(|| std::env::temp_dir().join("secarch-mirrors")),
            cache_max_bytes: self.cache_max_bytes.unwrap_or(20 * 1024 * 1024 * 1024),
            log_format,
            allow_file_remotes,
            jobs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig {
            app_id: Some(12),
            private_key: Some(PrivateKey(
                b"-----BEGIN RSA PRIVATE KEY-----\nsecretbits".to_vec(),
            )),
            webhook_secret: Some(WebhookSecrets::parse("hunter2")),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_redaction() {
        let c = raw().resolve().unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.api_url, "https://api.github.com");
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(!c.allow_file_remotes);
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("secretbits") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    #[test]
    fn errors_name_the_setting() {
        let e = RawConfig {
            app_id: None,
            ..raw()
        }
        .resolve()
        .unwrap_err();
        assert!(e.0.contains("SECARCH_APP_ID"));
        let e = RawConfig {
            private_key: None,
            ..raw()
        }
        .resolve()
        .unwrap_err();
        assert!(e.0.contains("SECARCH_PRIVATE_KEY"));
        let e = RawConfig {
            webhook_secret: Some(WebhookSecrets::parse(" , ")),
            ..raw()
        }
        .resolve()
        .unwrap_err();
        assert!(e.0.contains("SECARCH_WEBHOOK_SECRET"));
        let e = RawConfig {
            log_format: Some("xml".into()),
            ..raw()
        }
        .resolve()
        .unwrap_err();
        assert!(e.0.contains("json") && e.0.contains("pretty"));
        let e = RawConfig {
            listen: Some("nope".into()),
            ..raw()
        }
        .resolve()
        .unwrap_err();
        assert!(e.0.contains("SECARCH_LISTEN"));
    }

    #[test]
    fn backoff_is_bounded() {
        let j = JobSettings {
            retry_base: Duration::from_millis(10),
            retry_max: Duration::from_millis(50),
            ..Default::default()
        };
        assert_eq!(j.backoff(1), Duration::from_millis(10));
        assert_eq!(j.backoff(3), Duration::from_millis(40));
        assert_eq!(j.backoff(9), Duration::from_millis(50));
    }
}
