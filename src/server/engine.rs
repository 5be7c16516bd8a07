//! The App's shared state, handed to every request and job: the GitHub App client, where git
//! comes from, the webhook secrets, the job settings, the queue, the delivery log and metrics.
//! A module of its own so that the request and job modules depend on it, not on `server`'s root.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::deliveries::Deliveries;
use super::metrics::Metrics;
use super::queue::Queue;
use super::repos::RepoProvider;
use super::settings::JobSettings;
use super::signature::WebhookSecrets;
use crate::github::GitHubApp;

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
    pub(crate) deliveries: Deliveries,
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
            deliveries: Deliveries::default(),
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
}
