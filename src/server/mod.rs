//! `secarch serve`: the GitHub App.
//!
//! ```text
//! POST /webhook ─ verify HMAC ─ payload → own Event ─ replay? ─ enqueue ─ 202  (http, intake, events, deliveries)
//!                                                      │
//!             coalescing queue, bounded concurrency ◄──┘                  (queue)
//!                    │
//!   pull request: inputs (PR, token) → core (one sync, policy once,
//!        evaluate) → render → publish one completed run, unless the
//!        newest already shows the outcome → review requests              (pull, render, runs, reviewers)
//!   retries, failure reports                                              (job)
//!   merge_group: every PR's own head passed?                              (merge_group)
//!   reconcile (start + periodic): open PRs without a completed run        (reconcile)
//! ```
//!
//! Modules: [`config`] (flags/env, redacted secrets), [`signature`] (`X-Hub-Signature-256`),
//! [`events`] (payloads → [`events::Event`]), [`repos`] (where git comes from), [`metrics`]
//! (Prometheus text), `listen` (accept loop: header timeout, connection cap, graceful
//! shutdown), `slots` (the connection table), `intake` (webhook bodies: refused unsigned,
//! HMAC while streaming, body timeout, memory budget), and the private job machinery.

pub mod config;
mod deliveries;
pub mod events;
mod http;
mod intake;
mod job;
mod listen;
mod merge_group;
pub mod metrics;
mod pull;
mod queue;
mod reconcile;
mod render;
pub mod repos;
pub mod reviewers;
mod runs;
pub mod signature;
mod slots;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;

use crate::github::{AppCredentials, GitHubApp, GitHubConfig};

pub use config::{HttpLimits, JobSettings, LogFormat, RawConfig, ServerConfig};
pub use events::{Event, RepoTarget};
pub use http::{router, router_with};
pub use listen::{Gate, fit_open_file_limit, serve};
pub use metrics::Metrics;
pub use reconcile::reconcile;
pub use render::{annotations, check_output};
pub use repos::{LocalRepos, MirrorRepos, RepoError, RepoProvider, SyncRequest};
pub use signature::{WebhookSecrets, sign};

use events::PullHint;
use queue::{Job, JobKind, Queue, enqueue};

/// The App's shared state: GitHub client, git provider, queue, metrics.
pub struct Engine {
    pub(crate) app: GitHubApp,
    pub(crate) repos: Arc<dyn RepoProvider>,
    pub(crate) secrets: WebhookSecrets,
    pub(crate) settings: JobSettings,
    pub(crate) queue: Queue,
    /// Counters and histograms served on `/metrics`.
    pub metrics: Metrics,
    pub(crate) ready: AtomicBool,
    /// `X-GitHub-Delivery` GUIDs acted on recently: a replayed delivery is not evaluated again.
    pub(crate) deliveries: deliveries::Deliveries,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("app_id", &self.app.app_id())
            .field("secrets", &self.secrets)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over an App client and a repository provider.
    pub fn new(
        app: GitHubApp,
        repos: Arc<dyn RepoProvider>,
        secrets: WebhookSecrets,
        settings: JobSettings,
    ) -> Arc<Engine> {
        Arc::new(Engine {
            app,
            repos,
            secrets,
            queue: Queue::new(settings.max_concurrent),
            settings,
            metrics: Metrics::default(),
            ready: AtomicBool::new(false),
            deliveries: deliveries::Deliveries::default(),
        })
    }

    /// The GitHub App client (its `metrics()` are served on `/metrics`).
    pub fn app(&self) -> &GitHubApp {
        &self.app
    }

    /// Jobs waiting or running.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Wait until no job waits or runs; `false` on timeout.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.queue.len() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Start the reconcile loop (first pass at once, then every `reconcile_interval`); the
    /// server is ready once it started.
    pub fn start_background(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            engine.ready.store(true, Ordering::Relaxed);
            loop {
                reconcile(&engine).await;
                match engine.settings.reconcile_interval {
                    Some(every) => tokio::time::sleep(every).await,
                    None => return,
                }
            }
        })
    }

    /// Act on a verified delivery (enqueue; never blocks on GitHub or git).
    pub fn dispatch(self: &Arc<Self>, event: Event, received: Instant) {
        match event {
            Event::Ping => {}
            Event::EvaluatePulls {
                target,
                pulls,
                cause,
                rerun,
            } => {
                for PullHint { number, head_sha } in pulls {
                    enqueue(
                        self,
                        Job {
                            target: target.clone(),
                            kind: JobKind::Pull {
                                number,
                                head_hint: head_sha,
                                only_if_missing: false,
                                fresh: rerun,
                            },
                            cause: cause.clone(),
                            received,
                        },
                    );
                }
            }
            Event::EvaluateHead {
                target,
                head_sha,
                cause,
                rerun,
            } => enqueue(
                self,
                Job {
                    target,
                    kind: JobKind::Head {
                        head_sha,
                        fresh: rerun,
                    },
                    cause,
                    received,
                },
            ),
            Event::MergeGroup { target, group } => enqueue(
                self,
                Job {
                    target,
                    kind: JobKind::MergeGroup(group),
                    cause: "merge_group.checks_requested".into(),
                    received,
                },
            ),
            Event::Installation {
                action,
                installation_id,
                account,
            } => {
                tracing::info!(
                    installation_id,
                    account = account.as_deref().unwrap_or("?"),
                    action,
                    "installation event"
                );
                if matches!(action.as_str(), "deleted" | "suspend") {
                    self.app.forget_installation(installation_id);
                }
            }
        }
    }
}

/// Install the tracing subscriber (JSON or pretty), filtered by `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.pretty().try_init(),
    };
}

/// Run the server until Ctrl-C or SIGTERM.
pub async fn run(config: ServerConfig) -> Result<(), String> {
    let credentials = AppCredentials::from_pem(config.app_id, config.private_key.expose_secret())
        .map_err(|e| e.to_string())?;
    let github = GitHubConfig {
        api_url: config.api_url.clone(),
        ..GitHubConfig::default()
    };
    let app = GitHubApp::new(github, credentials).map_err(|e| e.to_string())?;
    let mirror = crate::mirror::MirrorConfig {
        root: config.cache_dir.clone(),
        max_bytes: config.cache_max_bytes,
        allow_file_remotes: config.allow_file_remotes,
        ..crate::mirror::MirrorConfig::new(config.cache_dir.clone())
    };
    let cache = crate::mirror::MirrorCache::new(mirror).map_err(|e| {
        format!(
            "cannot use the git mirror cache {} ({e}); set SECARCH_CACHE_DIR to a writable directory owned by this user",
            config.cache_dir.display()
        )
    })?;
    let repos: Arc<dyn RepoProvider> = Arc::new(MirrorRepos { cache });
    let engine = Engine::new(
        app,
        repos,
        config.webhook_secrets.clone(),
        config.jobs.clone(),
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {} ({e}); set SECARCH_LISTEN to a free address:port",
                config.listen
            )
        })?;
    let gate = Gate::new(fit_open_file_limit(config.http.clone()));
    // The bound address, not the configured one: with port 0 the kernel picks the port.
    let bound = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(
        listen = %bound,
        app_id = config.app_id,
        api_url = %crate::redact::url(&config.api_url),
        max_connections = gate.limits().max_connections,
        "secarch serve started"
    );
    engine.start_background();
    let app = router_with(Arc::clone(&engine), Arc::clone(&gate));
    serve(listener, app, gate, shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!(pending = engine.pending(), "shutting down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
