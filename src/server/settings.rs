//! Server configuration (flags or environment, see `secarch serve --help`). Secrets are held in
//! `secrecy` types (redacting `Debug`, wiped on drop), and no error message quotes them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretSlice};

use super::signature::WebhookSecrets;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// GitHub refuses webhook payloads above 25 MB; anything larger is not from GitHub.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// The smallest body-memory budget: one delivery of the largest size GitHub sends must fit.
pub const MIN_BODY_MEMORY_MB: u64 = 25;

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
    /// Backoff before retry `n`: a step of `retry_base * 2^(n-1)`, capped at `retry_max`, its
    /// upper half random ([`crate::backoff`]).
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Longest pause an installation takes when GitHub rate-limits it.
    pub max_rate_limit_pause: Duration,
    /// Reconcile every this often (open PRs without a completed run are evaluated); `None`: only
    /// at start-up.
    pub reconcile_interval: Option<Duration>,
    /// Longest a job may spend on the repository (sync and evaluation) before its check run is
    /// completed as a failure and the job slot freed: no pull request may hold a slot forever.
    pub evaluation_timeout: Duration,
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
            evaluation_timeout: Duration::from_secs(600),
        }
    }
}

impl JobSettings {
    /// Backoff before retrying after failed attempt `attempt` (1-based): [`crate::backoff`].
    pub fn backoff(&self, attempt: u32) -> Duration {
        crate::backoff::delay(self.retry_base, self.retry_max, attempt)
    }
}

/// What clients may hold of the server, and for how long: the defence against slow or
/// stalled clients (slowloris headers, trickled or stalled bodies) and against memory taken
/// by bodies nobody signed. See `listen.rs` (connections) and `intake.rs` (bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Connections open at once. At the cap, a new connection replaces the connection that
    /// has been idle (or stalled in its request head) the longest; when every connection is
    /// in the middle of a request it is refused with 503. Lowered at start-up to fit the
    /// open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// Time a client has to send a complete request head; also how long an idle keep-alive
    /// connection is kept.
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body, from the end of its head.
    pub body_timeout: Duration,
    /// Bytes of request bodies held in memory at once, across all connections. A body waits
    /// for room (within its body timeout) when the budget is spent.
    pub max_body_bytes_in_flight: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            max_body_bytes_in_flight: 64 * 1024 * 1024,
        }
    }
}

/// Everything `secarch serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub app_id: u64,
    /// The App's private key (PEM text).
    pub private_key: SecretSlice<u8>,
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
    /// Connection and body limits of the HTTP server.
    pub http: HttpLimits,
}

/// A configuration problem, phrased for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Raw settings as given by flags or environment (see `secarch serve --help`).
#[derive(Debug, Clone, Default)]
pub struct RawConfig {
    pub app_id: Option<u64>,
    /// The App's private key (PEM text).
    pub private_key: Option<SecretSlice<u8>>,
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
    pub evaluation_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub header_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub max_body_memory_mb: Option<u64>,
}

impl RawConfig {
    /// Validate and complete the settings. Errors say which setting and how to fix it, and never
    /// quote a secret.
    pub fn resolve(self) -> Result<ServerConfig, ConfigError> {
        let http = self.http_limits()?;
        let app_id = self.app_id.filter(|&id| id > 0).ok_or_else(|| {
            ConfigError(
                "no App id: set SECARCH_APP_ID (or --app-id) to the id shown on the GitHub App's settings page".into(),
            )
        })?;
        let private_key = match (self.private_key, self.private_key_path) {
            (Some(k), _) if !k.expose_secret().is_empty() => k,
            (_, Some(path)) => SecretSlice::from(std::fs::read(&path).map_err(|e| {
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
        match self.evaluation_timeout_secs {
            Some(0) => {
                return Err(ConfigError(
                    "SECARCH_EVALUATION_TIMEOUT 0 would let one pull request hold a job slot forever; give the longest an evaluation may take, in seconds (default 600)".into(),
                ));
            }
            Some(secs) => jobs.evaluation_timeout = Duration::from_secs(secs),
            None => {}
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
            http,
        })
    }

    /// The connection and body limits; a zero would switch a defence off, so it is refused.
    fn http_limits(&self) -> Result<HttpLimits, ConfigError> {
        let mut http = HttpLimits::default();
        if let Some(n) = self.max_connections {
            if n == 0 {
                return Err(ConfigError(
                    "SECARCH_MAX_CONNECTIONS is 0; set it to the number of connections to keep open at once (default 512)".into(),
                ));
            }
            http.max_connections = n;
        }
        let seconds = |value: Option<u64>, name: &str, default: Duration| match value {
            None => Ok(default),
            Some(0) => Err(ConfigError(format!(
                "{name} is 0, which would let a slow client hold a connection for ever; set it to a number of seconds (default {})",
                default.as_secs()
            ))),
            Some(secs) => Ok(Duration::from_secs(secs)),
        };
        http.header_timeout = seconds(
            self.header_timeout_secs,
            "SECARCH_HEADER_TIMEOUT",
            http.header_timeout,
        )?;
        http.body_timeout = seconds(
            self.body_timeout_secs,
            "SECARCH_BODY_TIMEOUT",
            http.body_timeout,
        )?;
        if let Some(mb) = self.max_body_memory_mb {
            if mb < MIN_BODY_MEMORY_MB {
                return Err(ConfigError(format!(
                    "SECARCH_MAX_BODY_MEMORY_MB is {mb}; it must be at least {MIN_BODY_MEMORY_MB}, so that one delivery of the largest size GitHub sends fits"
                )));
            }
            http.max_body_bytes_in_flight =
                usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        }
        Ok(http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig {
            app_id: Some(12),
            private_key: Some(SecretSlice::from(
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

    /// The resolved configuration written to a log line (JSON, as in production) shows
    /// neither the private key nor a webhook secret.
    #[test]
    fn a_logged_config_shows_no_secret() {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let c = raw().resolve().unwrap();
        tracing::subscriber::with_default(subscriber, || tracing::info!(config = ?c, "resolved"));
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("REDACTED") && log.contains("app_id"), "{log}");
        assert!(
            !log.contains("secretbits") && !log.contains("hunter2"),
            "{log}"
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
    fn http_limits_refuse_settings_that_switch_a_defence_off() {
        assert_eq!(raw().resolve().unwrap().http, HttpLimits::default());
        let c = RawConfig {
            max_connections: Some(8),
            header_timeout_secs: Some(1),
            body_timeout_secs: Some(2),
            max_body_memory_mb: Some(25),
            ..raw()
        }
        .resolve()
        .unwrap();
        assert_eq!(c.http.max_connections, 8);
        assert_eq!(c.http.header_timeout, Duration::from_secs(1));
        assert_eq!(c.http.body_timeout, Duration::from_secs(2));
        assert_eq!(c.http.max_body_bytes_in_flight, 25 * 1024 * 1024);
        for (bad, setting) in [
            (
                RawConfig {
                    max_connections: Some(0),
                    ..raw()
                },
                "SECARCH_MAX_CONNECTIONS",
            ),
            (
                RawConfig {
                    header_timeout_secs: Some(0),
                    ..raw()
                },
                "SECARCH_HEADER_TIMEOUT",
            ),
            (
                RawConfig {
                    body_timeout_secs: Some(0),
                    ..raw()
                },
                "SECARCH_BODY_TIMEOUT",
            ),
            (
                RawConfig {
                    max_body_memory_mb: Some(24),
                    ..raw()
                },
                "SECARCH_MAX_BODY_MEMORY_MB",
            ),
        ] {
            let e = bad.resolve().unwrap_err();
            assert!(e.0.contains(setting), "{e}");
        }
    }

    #[test]
    fn backoff_is_bounded() {
        let j = JobSettings {
            retry_base: Duration::from_millis(10),
            retry_max: Duration::from_millis(50),
            ..Default::default()
        };
        for (attempt, full) in [(1, 10), (3, 40), (9, 50)] {
            let d = j.backoff(attempt);
            let full = Duration::from_millis(full);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
