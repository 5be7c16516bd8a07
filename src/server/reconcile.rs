//! Reconciliation: deliveries missed while the server was down are not lost. For every
//! installation → repository → open pull request, a job checks (after reading the base policy
//! for the check's name) whether the head has a completed run of ours, and evaluates it if not.

use std::sync::Arc;
use std::time::Instant;

use super::engine::Engine;
use super::events::RepoTarget;
use super::job::enqueue;
use super::queue::{Job, JobKind};
use crate::github::{GitHubApi, GitHubAppApi, RepoRef};

/// One pass; returns how many pull requests were queued. Failures of one installation or
/// repository are logged and do not stop the others.
pub async fn reconcile(engine: &Arc<Engine>) -> usize {
    let installations = match engine.app.installations().await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "reconcile: could not list installations");
            return 0;
        }
    };
    let mut queued = 0;
    for inst in installations {
        let client = engine.app.installation(inst.id);
        let repos = match client.repositories().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(installation = inst.id, error = %e, "reconcile: could not list repositories");
                continue;
            }
        };
        for r in repos {
            let owner = r
                .owner
                .as_ref()
                .map(|o| o.login.clone())
                .unwrap_or_default();
            let repo = match RepoRef::parse(&owner, &r.name) {
                Ok(repo) => repo,
                Err(e) => {
                    tracing::warn!(installation = inst.id, error = %e, "reconcile: repository skipped");
                    continue;
                }
            };
            let pulls = match client.open_pull_requests(&repo).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(repo = %repo, error = %e, "reconcile: could not list pull requests");
                    continue;
                }
            };
            for pr in pulls {
                enqueue(
                    engine,
                    Job {
                        target: RepoTarget {
                            installation_id: inst.id,
                            repo: repo.clone(),
                            clone_url: r.clone_url.clone(),
                        },
                        kind: JobKind::Pull {
                            number: pr.number,
                            head_hint: Some(pr.head.sha.clone()),
                            only_if_missing: true,
                            fresh: false,
                        },
                        cause: "reconcile".into(),
                        received: Instant::now(),
                    },
                );
                queued += 1;
            }
        }
    }
    tracing::info!(queued, "reconcile pass done");
    queued
}
