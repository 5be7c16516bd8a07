//! The job queue: coalescing per pull request, bounded concurrency, per-installation pauses.
//!
//! A job is keyed by (installation, repository, what): while a job for a key waits or runs, a new
//! delivery for the same key only replaces the *next* job of that key (a burst of pushes ends
//! in one more evaluation, which re-reads the newest head). Different keys run concurrently up
//! to the semaphore's bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::events::{MergeGroup, RepoTarget};

/// What a job does.
#[derive(Debug, Clone)]
pub(crate) enum JobKind {
    /// Evaluate a pull request. `only_if_missing`: reconciliation — skip when the head already
    /// has a completed run of our check.
    /// `fresh`: "Re-run" — post a new run even when the outcome did not change.
    Pull {
        number: u64,
        head_hint: Option<String>,
        only_if_missing: bool,
        fresh: bool,
    },
    /// Find the open pull requests with this head and evaluate them.
    Head { head_sha: String, fresh: bool },
    /// Vouch for a merge-queue group.
    MergeGroup(MergeGroup),
}

impl JobKind {
    /// Whether the job answers a "Re-run" (a fresh run is posted whatever the outcome).
    pub fn fresh(&self) -> bool {
        match self {
            JobKind::Pull { fresh, .. } | JobKind::Head { fresh, .. } => *fresh,
            JobKind::MergeGroup(_) => false,
        }
    }
}

/// One unit of work.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub target: RepoTarget,
    pub kind: JobKind,
    /// What caused it (`pull_request.synchronize`, `reconcile`, …), for logs.
    pub cause: String,
    /// When the (oldest coalesced) delivery arrived: evaluation latency is measured from here.
    pub received: Instant,
}

impl Job {
    fn key(&self) -> JobKey {
        let what = match &self.kind {
            JobKind::Pull { number, .. } => format!("pr#{number}"),
            JobKind::Head { head_sha, .. } => format!("head:{head_sha}"),
            JobKind::MergeGroup(g) => format!("merge-group:{}", g.head_sha),
        };
        (
            self.target.installation_id,
            self.target.repo.to_string(),
            what,
        )
    }

    /// `self` replaced by the newer `next`, keeping what must not be lost.
    fn coalesce(self, next: Job) -> Job {
        let kind = match (self.kind, next.kind) {
            (
                JobKind::Pull {
                    only_if_missing: a,
                    fresh: fa,
                    ..
                },
                JobKind::Pull {
                    number,
                    head_hint,
                    only_if_missing: b,
                    fresh: fb,
                },
            ) => JobKind::Pull {
                number,
                head_hint,
                // A real delivery must not be downgraded to "only if missing" by a reconcile,
                // nor a "Re-run" lost in a burst.
                only_if_missing: a && b,
                fresh: fa || fb,
            },
            (_, k) => k,
        };
        Job {
            target: next.target,
            kind,
            cause: next.cause,
            received: self.received.min(next.received),
        }
    }
}

/// Installation, repository, and pull request head or merge group.
pub(crate) type JobKey = (u64, String, String);

#[derive(Default)]
struct Slot {
    running: bool,
    next: Option<Job>,
}

/// Pending and running jobs.
pub(crate) struct Queue {
    slots: Mutex<HashMap<JobKey, Slot>>,
    semaphore: Arc<Semaphore>,
    /// Installation → do not call GitHub before this instant (rate limited).
    paused: Mutex<HashMap<u64, Instant>>,
}

impl Queue {
    pub fn new(max_concurrent: usize) -> Self {
        Queue {
            slots: Mutex::default(),
            semaphore: Arc::new(Semaphore::new(max_concurrent.max(1))),
            paused: Mutex::default(),
        }
    }

    /// Add a job: it coalesces with the key's waiting job, or waits behind its running one.
    /// Returns the key when no worker drives it yet: the caller starts one.
    pub fn offer(&self, job: Job) -> Option<JobKey> {
        let key = job.key();
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get_mut(&key) {
            slot.next = Some(match slot.next.take() {
                Some(waiting) => waiting.coalesce(job),
                None => job,
            });
            return None;
        }
        let slot = Slot {
            running: false,
            next: Some(job),
        };
        slots.insert(key.clone(), slot);
        Some(key)
    }

    /// One of the `max_concurrent` places to run a job.
    pub async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.semaphore).acquire_owned().await.ok()
    }

    /// The key's next job, marked running; `None` (and the key forgotten) when none waits.
    pub fn take_next(&self, key: &JobKey) -> Option<Job> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots.get_mut(key)?;
        match slot.next.take() {
            Some(job) => {
                slot.running = true;
                Some(job)
            }
            None => {
                slots.remove(key);
                None
            }
        }
    }

    /// The key's running job ended: `true` (and the key forgotten) when no job waits for it.
    pub fn finished(&self, key: &JobKey) -> bool {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let done = slots.get(key).is_none_or(|slot| slot.next.is_none());
        if done {
            slots.remove(key);
        } else if let Some(slot) = slots.get_mut(key) {
            slot.running = false;
        }
        done
    }

    /// Keys waiting or running.
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Pause an installation's jobs for `wait` (GitHub rate-limited it).
    pub fn pause_installation(&self, installation_id: u64, wait: Duration) {
        let until = Instant::now() + wait;
        let mut p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        let entry = p.entry(installation_id).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Wait while the installation is paused.
    pub async fn wait_installation(&self, installation_id: u64) {
        let until = {
            let p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
            p.get(&installation_id).copied()
        };
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::RepoRef;

    fn pull(number: u64, head: &str, only_if_missing: bool, cause: &str, age: u64) -> Job {
        Job {
            target: RepoTarget {
                installation_id: 1,
                repo: RepoRef::new("o", "r"),
                clone_url: "https://github.com/o/r.git".into(),
            },
            kind: JobKind::Pull {
                number,
                head_hint: Some(head.into()),
                only_if_missing,
                fresh: false,
            },
            cause: cause.into(),
            received: Instant::now() - Duration::from_secs(age),
        }
    }

    fn only_if_missing(job: &Job) -> bool {
        matches!(
            job.kind,
            JobKind::Pull {
                only_if_missing: true,
                ..
            }
        )
    }

    #[test]
    fn the_newer_delivery_wins_but_the_oldest_arrival_is_kept() {
        let old = pull(7, "aaa", false, "pull_request.opened", 30);
        let new = pull(7, "bbb", false, "pull_request.synchronize", 1);
        let oldest = old.received;
        let merged = old.coalesce(new);
        let JobKind::Pull { head_hint, .. } = &merged.kind else {
            panic!("{merged:?}")
        };
        assert_eq!(head_hint.as_deref(), Some("bbb"));
        assert_eq!(merged.cause, "pull_request.synchronize");
        // Evaluation latency counts from the first delivery of the burst.
        assert_eq!(merged.received, oldest);
    }

    #[test]
    fn a_reconcile_never_downgrades_a_real_delivery() {
        let delivery = pull(7, "aaa", false, "pull_request.synchronize", 5);
        let reconcile = pull(7, "aaa", true, "reconcile", 1);
        assert!(!only_if_missing(
            &delivery.clone().coalesce(reconcile.clone())
        ));
        assert!(!only_if_missing(&reconcile.clone().coalesce(delivery)));
        // Two reconciles stay "only if missing".
        assert!(only_if_missing(&reconcile.clone().coalesce(reconcile)));
    }

    #[test]
    fn jobs_are_keyed_per_pull_request_head_and_group() {
        let a = pull(7, "aaa", false, "x", 0);
        let b = pull(7, "bbb", true, "y", 0);
        let c = pull(8, "aaa", false, "x", 0);
        assert_eq!(
            a.key(),
            b.key(),
            "one slot per pull request, whatever its head"
        );
        assert_ne!(a.key(), c.key());
        let mut other_repo = a.clone();
        other_repo.target.repo = RepoRef::new("o", "s");
        assert_ne!(a.key(), other_repo.key());
        let mut head = a.clone();
        head.kind = JobKind::Head {
            head_sha: "aaa".into(),
            fresh: false,
        };
        assert_ne!(a.key(), head.key());
    }

    #[test]
    fn a_key_is_driven_once_and_its_jobs_wait_in_one_slot() {
        let queue = Queue::new(2);
        let key = queue.offer(pull(7, "aaa", false, "pull_request.opened", 3));
        assert!(key.is_some(), "the first job of a key needs a worker");
        let key = key.unwrap();
        let running = queue.take_next(&key).expect("the job waits for its worker");
        assert_eq!(running.cause, "pull_request.opened");
        // While it runs, two more deliveries coalesce into one waiting job; no second worker.
        assert!(
            queue
                .offer(pull(7, "bbb", false, "pull_request.synchronize", 2))
                .is_none()
        );
        assert!(
            queue
                .offer(pull(7, "ccc", false, "pull_request.synchronize", 1))
                .is_none()
        );
        assert_eq!(queue.len(), 1);
        assert!(!queue.finished(&key), "a job still waits");
        let next = queue.take_next(&key).expect("the coalesced job");
        let JobKind::Pull { head_hint, .. } = &next.kind else {
            panic!("{next:?}")
        };
        assert_eq!(head_hint.as_deref(), Some("ccc"));
        assert!(queue.finished(&key), "nothing waits any more");
        assert_eq!(queue.len(), 0, "the key is forgotten");
        assert!(queue.take_next(&key).is_none());
        // Another key gets its own worker.
        assert!(
            queue
                .offer(pull(8, "ddd", false, "pull_request.opened", 0))
                .is_some()
        );
    }
}
