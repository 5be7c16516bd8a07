//! The connection table: at most `max` connections are open at once, and none stays idle
//! longer than the header timeout.
//!
//! Every open file is a connection slot, and the process has few of them (`ulimit -n` is often
//! 1,024). Waiting for a slot would let clients that never finish their request head decide
//! who gets served, so a full table makes room instead: a new connection takes the slot of the
//! connection that has been *idle* the longest — one with no request in progress: stalled in
//! its request head, or an unused keep-alive connection. A connection that is in the middle of
//! a request (handler running, body arriving, response being sent) is never shed; when every
//! slot holds one, the new connection is refused. Slow clients still hold a slot only until
//! their header or body timeout, but until then they cannot keep `/healthz` or a delivery out.
//!
//! The header timeout is kept here too, by [`Slots::shed_idle`] (the accept loop calls it a few
//! times per timeout): a connection idle longer than that — no complete request head since it
//! was accepted or since its last response was handed over — is closed. That is one clock read
//! per request where hyper's own header timeout arms and drops a timer for every request, and
//! it also covers a client that does not read its response.
//!
//! The race this accepts: a connection chosen while idle may have received the last byte of a
//! request head a moment before; that request is lost with the connection (GitHub shows the
//! delivery as failed; reconciliation evaluates the pull request later).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The table of open connections.
#[derive(Debug)]
pub(crate) struct Slots {
    max: usize,
    table: Mutex<HashMap<u64, Arc<Conn>>>,
    /// Ids for new connections.
    ids: AtomicU64,
    /// What the "idle since" stamps count from.
    epoch: Instant,
    /// Signalled when the table becomes empty (graceful shutdown waits on it).
    emptied: Notify,
}

/// One open connection, as the table and the connection's task see it.
#[derive(Debug)]
pub(crate) struct Conn {
    /// Requests in progress (from the request head to the end of the response body).
    busy: AtomicUsize,
    /// Nanoseconds after the epoch when it last became idle; the smallest is shed first.
    idle_since: AtomicU64,
    /// Notified when the connection is shed: its task closes it at once.
    pub(crate) shed: Notify,
}

impl Conn {
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }
}

/// What [`Slots::admit`] decided.
#[derive(Debug)]
pub(crate) enum Admission {
    /// A free slot.
    Admitted(Slot),
    /// Admitted in the slot of the longest-idle connection, which is being closed.
    Replaced(Slot),
    /// Every slot is busy with a request: refuse the connection.
    Full,
}

/// A held slot; dropping it (the connection closed) frees it.
#[derive(Debug)]
pub(crate) struct Slot {
    slots: Arc<Slots>,
    id: u64,
    pub(crate) conn: Arc<Conn>,
}

/// Marks a connection busy for as long as it lives (one request, head to end of response).
#[derive(Debug)]
pub(crate) struct Busy {
    slots: Arc<Slots>,
    conn: Arc<Conn>,
}

impl Slots {
    pub(crate) fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max: max.max(1),
            table: Mutex::default(),
            ids: AtomicU64::new(0),
            epoch: Instant::now(),
            emptied: Notify::new(),
        })
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// A slot for a new connection (see the module documentation).
    pub(crate) fn admit(self: &Arc<Self>) -> Admission {
        let mut table = self.lock();
        let replaced = if table.len() >= self.max {
            if Self::shed_longest_idle(&mut table).is_none() {
                return Admission::Full;
            }
            true
        } else {
            false
        };
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now()),
            shed: Notify::new(),
        });
        table.insert(id, Arc::clone(&conn));
        let slot = Slot {
            slots: Arc::clone(self),
            id,
            conn,
        };
        if replaced {
            Admission::Replaced(slot)
        } else {
            Admission::Admitted(slot)
        }
    }

    /// Close the longest-idle connection to free its file descriptor (the accept loop does this
    /// when the process ran out of them). Whether there was one.
    pub(crate) fn shed_one(&self) -> bool {
        Self::shed_longest_idle(&mut self.lock()).is_some()
    }

    /// Close every connection idle for longer than `limit`; how many.
    pub(crate) fn shed_idle(&self, limit: Duration) -> usize {
        let limit = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
        let now = self.now();
        let mut table = self.lock();
        let stale: Vec<u64> = table
            .iter()
            .filter(|(_, c)| {
                !c.is_busy() && now.saturating_sub(c.idle_since.load(Ordering::Relaxed)) > limit
            })
            .map(|(&id, _)| id)
            .collect();
        for id in &stale {
            if let Some(conn) = table.remove(id) {
                conn.shed.notify_one();
            }
        }
        if table.is_empty() {
            self.emptied.notify_one();
        }
        stale.len()
    }

    fn shed_longest_idle(table: &mut HashMap<u64, Arc<Conn>>) -> Option<u64> {
        let (&id, _) = table
            .iter()
            .filter(|(_, c)| !c.is_busy())
            .min_by_key(|(_, c)| c.idle_since.load(Ordering::Relaxed))?;
        let conn = table.remove(&id)?;
        // `notify_one` keeps the wake-up if the task is not waiting yet.
        conn.shed.notify_one();
        Some(id)
    }

    /// Wait until every connection has closed.
    pub(crate) async fn wait_empty(&self) {
        loop {
            if self.lock().is_empty() {
                return;
            }
            self.emptied.notified().await;
        }
    }
}

impl Slot {
    /// Mark the connection busy until the returned guard is dropped.
    pub(crate) fn busy(&self) -> Busy {
        self.conn.busy.fetch_add(1, Ordering::AcqRel);
        Busy {
            slots: Arc::clone(&self.slots),
            conn: Arc::clone(&self.conn),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut table = self.slots.lock();
        table.remove(&self.id);
        if table.is_empty() {
            self.slots.emptied.notify_one();
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        // Stamp before the count reaches zero, so an idle connection always has a fresh stamp.
        self.conn
            .idle_since
            .store(self.slots.now(), Ordering::Relaxed);
        self.conn.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(a: Admission) -> Slot {
        match a {
            Admission::Admitted(s) | Admission::Replaced(s) => s,
            Admission::Full => panic!("refused"),
        }
    }

    #[test]
    fn a_full_table_sheds_the_longest_idle_connection_and_never_a_busy_one() {
        let slots = Slots::new(3);
        let a = slot(slots.admit());
        let b = slot(slots.admit());
        let c = slot(slots.admit());
        assert_eq!(slots.open(), 3);
        // a is busy; b went idle after c (its request ended later), so c is the longest idle.
        let busy_a = a.busy();
        std::thread::sleep(Duration::from_millis(2));
        drop(b.busy());
        let d = match slots.admit() {
            Admission::Replaced(s) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(slots.open(), 3);
        assert!(!slots.lock().contains_key(&c.id));
        // The shed connection was told (the wake-up is kept until its task waits).
        let waker = c.conn.shed.notified();
        futures_ready(waker);
        // Everything busy: refused.
        let _busy_b = b.busy();
        let _busy_d = d.busy();
        assert!(matches!(slots.admit(), Admission::Full));
        assert!(!slots.shed_one());
        drop(busy_a);
        assert!(slots.shed_one(), "a is idle again");
        assert_eq!(slots.open(), 2);
        drop((a, b, c, d));
        assert_eq!(slots.open(), 0);
    }

    /// Poll `fut` once: it must be ready (a stored `notify_one` permit).
    fn futures_ready(fut: impl std::future::Future<Output = ()>) {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut fut = std::pin::pin!(fut);
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    }

    #[test]
    fn connections_idle_past_the_limit_are_shed_and_busy_ones_kept() {
        let slots = Slots::new(8);
        let idle = slot(slots.admit());
        let working = slot(slots.admit());
        let _busy = working.busy();
        assert_eq!(slots.shed_idle(Duration::from_secs(60)), 0);
        std::thread::sleep(Duration::from_millis(20));
        let fresh = slot(slots.admit());
        assert_eq!(slots.shed_idle(Duration::from_millis(10)), 1);
        assert!(!slots.lock().contains_key(&idle.id));
        futures_ready(idle.conn.shed.notified());
        assert_eq!(slots.open(), 2);
        drop((idle, working, fresh));
    }

    #[tokio::test]
    async fn wait_empty_returns_when_the_last_slot_is_freed() {
        let slots = Slots::new(2);
        let a = slot(slots.admit());
        let waiter = {
            let slots = Arc::clone(&slots);
            tokio::spawn(async move { slots.wait_empty().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(a);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("task");
    }
}
