//! Deliveries already acted on, by `X-GitHub-Delivery`.
//!
//! GitHub gives every delivery a GUID. A captured delivery replayed to the webhook verifies (its
//! signature is genuine) and would cost a whole evaluation, GitHub API calls included, each time.
//! A delivery whose GUID was acted on within [`WINDOW`] is acknowledged and ignored. Memory is
//! bounded: at most [`CAPACITY`] GUIDs of at most [`MAX_ID_BYTES`] are kept, the oldest dropped
//! first. A replay after the window costs one evaluation, and an evaluation's API calls are
//! bounded (annotations are capped), so the window only needs to outlast a burst.
//!
//! GitHub's "Redeliver" keeps the GUID: within the window it is ignored too, which is what the
//! operator wants when the first delivery was already acted on ("Re-run" evaluates again).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a GUID is remembered.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Most GUIDs remembered (~50 bytes each with their bookkeeping: a few MiB at most).
pub const CAPACITY: usize = 50_000;
/// Longest GUID kept (GitHub's are 36 characters); a longer header is not remembered.
pub const MAX_ID_BYTES: usize = 64;

/// The GUIDs seen within the window.
#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    seen: Mutex<Seen>,
}

/// Each GUID is allocated once, shared by the set and the queue (this runs on every delivery).
#[derive(Debug, Default)]
struct Seen {
    order: VecDeque<(Instant, Arc<str>)>,
    ids: HashSet<Arc<str>>,
}

impl Deliveries {
    /// Record `id` and say whether it is new. `None` (no header) or an over-long id is always
    /// new: nothing to recognise it by.
    pub fn first_time(&self, id: Option<&str>, now: Instant) -> bool {
        let Some(id) = id.filter(|id| !id.is_empty() && id.len() <= MAX_ID_BYTES) else {
            return true;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((at, _)) = seen.order.front() {
            if now.saturating_duration_since(*at) < WINDOW && seen.order.len() < CAPACITY {
                break;
            }
            if let Some((_, old)) = seen.order.pop_front() {
                seen.ids.remove(&old);
            }
        }
        if seen.ids.contains(id) {
            return false;
        }
        let id: Arc<str> = Arc::from(id);
        seen.ids.insert(Arc::clone(&id));
        seen.order.push_back((now, id));
        true
    }

    /// GUIDs remembered now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_guid_is_recognised_within_the_window_only() {
        let d = Deliveries::default();
        let t0 = Instant::now();
        assert!(d.first_time(Some("a"), t0));
        assert!(!d.first_time(Some("a"), t0 + Duration::from_secs(10)));
        assert!(d.first_time(Some("b"), t0 + Duration::from_secs(10)));
        // After the window, `a` is forgotten (and so new again).
        assert!(d.first_time(Some("a"), t0 + WINDOW + Duration::from_secs(1)));
        assert!(!d.first_time(Some("a"), t0 + WINDOW + Duration::from_secs(2)));
    }

    #[test]
    fn missing_empty_and_overlong_ids_are_never_deduplicated_nor_kept() {
        let d = Deliveries::default();
        let now = Instant::now();
        let long = "x".repeat(MAX_ID_BYTES + 1);
        for _ in 0..3 {
            assert!(d.first_time(None, now));
            assert!(d.first_time(Some(""), now));
            assert!(d.first_time(Some(&long), now));
        }
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn memory_is_bounded_by_the_capacity() {
        let d = Deliveries::default();
        let now = Instant::now();
        for i in 0..CAPACITY + 10 {
            assert!(d.first_time(Some(&i.to_string()), now));
        }
        assert_eq!(d.len(), CAPACITY);
        // The oldest were dropped first.
        assert!(d.first_time(Some("0"), now));
        assert!(!d.first_time(Some(&(CAPACITY + 9).to_string()), now));
    }
}
