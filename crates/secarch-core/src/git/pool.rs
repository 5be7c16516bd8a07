//! Work shared between the threads of one tree traversal.
//!
//! Directories differ wildly in size (one `src/` may hold most of a
//! repository), so dealing the first directories out in fixed shares leaves
//! threads idle while one still works. Here each thread works depth-first on
//! its own stack and, when another thread has run dry, hands over the older
//! half of it (the entries nearest the root: the largest subtrees). Busy
//! threads read one atomic flag per directory and take the lock only to hand
//! work over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The shared part: work handed over, and who is waiting for it.
pub(super) struct Pool<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    /// Set while a thread waits for work; cleared by the thread that gives.
    hungry: AtomicBool,
    /// Set when the traversal ends early (an error or a panic in one thread).
    stopped: AtomicBool,
    threads: usize,
}

struct State<T> {
    queue: Vec<T>,
    /// Threads waiting in [`Pool::take`].
    idle: usize,
    /// Every thread ran dry with nothing queued, or the work was stopped.
    done: bool,
}

impl<T> Pool<T> {
    /// A pool for `threads` threads (each joins once with [`Pool::member`]),
    /// starting with `queue` (handed out from its end).
    pub(super) fn new(queue: Vec<T>, threads: usize) -> Pool<T> {
        Pool {
            state: Mutex::new(State {
                queue,
                idle: 0,
                done: false,
            }),
            ready: Condvar::new(),
            hungry: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            threads: threads.max(1),
        }
    }

    pub(super) fn threads(&self) -> usize {
        self.threads
    }

    /// Join the pool, once per thread, before anything that can fail: a
    /// thread that leaves without working it through (an error while setting
    /// up, a panic) stops the pool, so that the others do not wait for it
    /// forever.
    pub(super) fn member(&self) -> Member<'_, T> {
        Member {
            pool: self,
            finished: false,
        }
    }

    /// Run `step` on items until no thread has any left: `step` does one item
    /// and pushes the items it uncovers onto the stack it is given. Returns
    /// early, without finishing, when `step` fails here or in another thread
    /// (the error is this thread's, or `Ok` when another thread failed: its
    /// caller reports that one).
    fn work<E>(&self, mut step: impl FnMut(T, &mut Vec<T>) -> Result<(), E>) -> Result<(), E> {
        let mut stack = Vec::new();
        while let Some(item) = self.take() {
            stack.push(item);
            while let Some(item) = stack.pop() {
                if let Err(e) = step(item, &mut stack) {
                    self.stop();
                    return Err(e);
                }
                if self.stopped.load(Ordering::Relaxed) {
                    return Ok(());
                }
                if stack.len() > 1 && self.hungry.load(Ordering::Relaxed) {
                    self.give(&mut stack);
                }
            }
        }
        Ok(())
    }

    /// The next queued item, waiting while other threads still work; `None`
    /// once all are out of work (or the work was stopped).
    fn take(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if state.done {
                return None;
            }
            if let Some(item) = state.queue.pop() {
                return Some(item);
            }
            state.idle += 1;
            if state.idle == self.threads {
                state.done = true;
                self.ready.notify_all();
                return None;
            }
            self.hungry.store(true, Ordering::Relaxed);
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
        }
    }

    /// Hand the older half of `stack` to the waiting threads.
    fn give(&self, stack: &mut Vec<T>) {
        let mut state = self.lock();
        state.queue.extend(stack.drain(..stack.len() / 2));
        self.hungry.store(false, Ordering::Relaxed);
        self.ready.notify_all();
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.lock().done = true;
        self.ready.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state stays consistent under a panic (no user code runs while
        // it is locked), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One thread's place in a [`Pool`].
pub(super) struct Member<'p, T> {
    pool: &'p Pool<T>,
    finished: bool,
}

impl<T> Member<'_, T> {
    /// See [`Pool::work`].
    pub(super) fn work<E>(
        mut self,
        step: impl FnMut(T, &mut Vec<T>) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = self.pool.work(step);
        self.finished = true;
        result
    }
}

impl<T> Drop for Member<'_, T> {
    fn drop(&mut self) {
        if !self.finished {
            self.pool.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of `fanout`-ary nodes `depth` deep, as (depth, index) items;
    /// what each thread did. With several threads, the thread doing the
    /// root waits until another waits for work, and then, in its first child,
    /// until another did an item: handing over is exercised every time,
    /// whatever the scheduling.
    fn walk(threads: usize, start: Vec<(u32, u64)>, depth: u32, fanout: u64) -> Vec<Vec<u64>> {
        let pool = Pool::new(start, threads);
        let other_did = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let (mut seen, mut did_root) = (Vec::new(), false);
                        pool.member()
                            .work(|(d, i): (u32, u64), more| -> Result<(), ()> {
                                let wait = |flag: &AtomicBool| {
                                    while threads > 1 && !flag.load(Ordering::Relaxed) {
                                        std::thread::yield_now();
                                    }
                                };
                                match (d, did_root) {
                                    (0, _) => {
                                        wait(&pool.hungry);
                                        did_root = true;
                                    }
                                    (1, true) if seen.len() == 1 => wait(&other_did),
                                    (_, false) => other_did.store(true, Ordering::Relaxed),
                                    _ => {}
                                }
                                seen.push(i);
                                if d < depth {
                                    more.extend((0..fanout).map(|k| (d + 1, i * fanout + k + 1)));
                                }
                                Ok(())
                            })
                            .unwrap();
                        seen
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    #[test]
    fn every_item_is_done_exactly_once_and_work_spreads() {
        for threads in [1, 2, 3] {
            // A lopsided start: one root holding everything.
            let per_thread = walk(threads, vec![(0, 0)], 7, 4);
            let mut all: Vec<u64> = per_thread.iter().flatten().copied().collect();
            all.sort_unstable();
            let expected: u64 = (0..=7).map(|d| 4u64.pow(d)).sum();
            assert_eq!(all.len() as u64, expected);
            all.dedup();
            assert_eq!(all.len() as u64, expected, "an item was done twice");
            if threads > 1 {
                // The root's thread handed over part of its children.
                assert!(per_thread.iter().filter(|s| !s.is_empty()).count() >= 2);
            }
        }
    }

    #[test]
    fn an_empty_pool_ends_at_once() {
        assert!(walk(4, Vec::new(), 0, 0).iter().all(Vec::is_empty));
    }

    #[test]
    fn an_error_stops_every_thread() {
        let pool = Pool::new((0..64u32).collect(), 3);
        let results: Vec<Result<(), u32>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    scope.spawn(|| {
                        pool.member().work(|i, more| {
                            if i == 40 {
                                return Err(i);
                            }
                            // Endless work unless stopped.
                            more.push((i + 1) % 128);
                            Ok(())
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // Every thread returned (this test ends); one or more of them met
        // the failing item before seeing the others stop.
        assert!(results.iter().any(Result::is_err));
    }

    #[test]
    fn a_thread_that_leaves_before_working_stops_the_others() {
        let pool = Pool::new(vec![0u32], 2);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let member = pool.member();
                // Setting up failed: the member is dropped unused.
                drop(member);
            });
            // Endless work unless stopped; returns once the other left.
            let mine = pool
                .member()
                .work(|i, more: &mut Vec<u32>| -> Result<(), ()> {
                    more.push(i);
                    Ok(())
                });
            assert_eq!(mine, Ok(()));
        });
    }

    #[test]
    fn a_panic_does_not_leave_the_others_waiting() {
        let pool = Pool::new(vec![0u32, 1, 2], 2);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        pool.member()
                            .work(|i, more: &mut Vec<u32>| -> Result<(), ()> {
                                assert!(i != 1, "boom");
                                more.push(i);
                                Ok(())
                            })
                    });
                }
            })
        }));
        assert!(outcome.is_err(), "the panic reaches the caller");
    }
}
