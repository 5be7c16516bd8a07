//! `secarch serve`: the GitHub App. A delivery's path, each module visited once:
//!
//! ```text
//! verify   POST /webhook: refused unsigned, HMAC while the body streams in     (routes, intake, signature)
//! parse    payload → own Event; a replayed delivery GUID is dropped           (events, deliveries)
//! enqueue  coalescing queue per head, bounded concurrency → 202               (queue, job)
//! inputs   the PR, an installation token, one mirror sync, the policy once    (pull, inputs, repos)
//! core     evaluate with one diff thread                                     (secarch-core)
//! render   conclusion, title, summary, annotations                           (crate::render)
//! publish  one completed run unless the newest shows the outcome; reviewers  (runs, reviewers)
//! ```
//!
//! Beside it: `job` retries and reports failures; `merge_group` (every PR's own head passed?);
//! `reconcile` (open PRs without a completed run, at start and periodically); `engine` (the
//! shared state); `settings` (flags/env, redacted secrets); `listen` and `slots` (own accept
//! loop: header timeout, connection cap, graceful shutdown); `metrics` (Prometheus text).
//! Dependencies point one way: no module here imports one that imports it (tested).

mod deliveries;
mod engine;
pub mod events;
mod inputs;
mod intake;
mod job;
mod listen;
mod merge_group;
pub mod metrics;
mod pull;
mod queue;
mod reconcile;
pub mod repos;
pub mod reviewers;
mod routes;
mod runs;
pub mod settings;
pub mod signature;
mod slots;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use secrecy::ExposeSecret;

use crate::github::{AppCredentials, GitHubApp, GitHubConfig};

pub use crate::render::{annotations, check_output};
pub use engine::Engine;
pub use events::{Event, RepoTarget};
pub use listen::{Gate, fit_open_file_limit, serve};
pub use metrics::Metrics;
pub use reconcile::reconcile;
pub use repos::{LocalRepos, MirrorRepos, RepoError, RepoProvider, SyncRequest};
pub use routes::{router, router_with};
pub use settings::{HttpLimits, JobSettings, LogFormat, RawConfig, ServerConfig};
pub use signature::{WebhookSecrets, sign};

use events::PullHint;
use job::enqueue;
use queue::{Job, JobKind};

impl Engine {
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
    // Colour only where a person reads it: a terminal, unless NO_COLOR or `--color never`
    // (a log collector would store the escape codes).
    let colour = anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour);
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
