//! The cache's bookkeeping: which mirrors exist, their size, when each was last
//! used, and which are in use. One mutex guards it all (short critical
//! sections only; fetches and deletions run outside it); a condition variable
//! wakes threads waiting for a mirror another thread holds.
//!
//! Entries are never removed from the map, only marked absent: a waiting
//! thread may hold on to a key, and a second entry for the same key would
//! give two threads the same directory.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

use super::name::MirrorKey;

/// A file in each mirror whose modification time records its last use, so
/// the LRU order survives a restart.
const LAST_USED: &str = "secarch-last-used";
/// Where mirrors are moved before deletion: a crash mid-delete leaves
/// nothing half-deleted under a mirror's name.
const TRASH: &str = ".trash";

#[derive(Debug, Default)]
struct Entry {
    busy: bool,
    present: bool,
    size: u64,
    /// Logical clock: larger is more recent.
    last_used: u64,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<MirrorKey, Entry>,
    clock: u64,
}

impl State {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

pub(crate) struct Store {
    root: PathBuf,
    state: Mutex<State>,
    released: Condvar,
    trash_seq: AtomicU64,
}

/// Exclusive use of one mirror; released (and marked recently used) on drop.
pub(crate) struct Lease<'a> {
    store: &'a Store,
    key: MirrorKey,
}

impl Lease<'_> {
    /// Delete the mirror held (damaged, or discarded by the caller).
    pub(crate) fn delete(&self) -> std::io::Result<()> {
        self.store.remove_dir(&self.key)?;
        if let Some(e) = self.store.lock().entries.get_mut(&self.key) {
            e.present = false;
            e.size = 0;
        }
        Ok(())
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut st = self.store.lock();
        let now = st.tick();
        if let Some(e) = st.entries.get_mut(&self.key) {
            e.busy = false;
            e.last_used = now;
        }
        drop(st);
        self.store.released.notify_all();
    }
}

impl Store {
    /// Seed the bookkeeping from the mirrors already under `root` (sizes by
    /// walking, order by their last-use marker), and empty the trash.
    pub(crate) fn open(root: &Path) -> Store {
        let _ = fs::remove_dir_all(root.join(TRASH));
        let mut found: Vec<(SystemTime, MirrorKey, u64)> = Vec::new();
        for owner in read_dir_names(root) {
            for dir in read_dir_names(&root.join(&owner)) {
                if let Some(key) = MirrorKey::from_dir(&owner, &dir) {
                    let path = key.dir(root);
                    let used = last_used_time(&path);
                    found.push((used, key, dir_size(&path)));
                }
            }
        }
        found.sort();
        let mut state = State::default();
        for (_, key, size) in found {
            let last_used = state.tick();
            state.entries.insert(
                key,
                Entry {
                    present: true,
                    size,
                    last_used,
                    busy: false,
                },
            );
        }
        Store {
            root: root.to_path_buf(),
            state: Mutex::new(state),
            released: Condvar::new(),
            trash_seq: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until no one else uses `key`'s mirror, then take it.
    pub(crate) fn acquire(&self, key: &MirrorKey) -> Lease<'_> {
        let mut st = self.lock();
        while st.entries.get(key).is_some_and(|e| e.busy) {
            st = self.released.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        let now = st.tick();
        let e = st.entries.entry(key.clone()).or_default();
        e.busy = true;
        e.last_used = now;
        Lease {
            store: self,
            key: key.clone(),
        }
    }

    /// Record a mirror's size after a sync (measured by walking it) and touch
    /// its last-use marker.
    pub(crate) fn record(&self, lease: &Lease<'_>) {
        let dir = lease.key.dir(&self.root);
        touch(&dir.join(LAST_USED));
        let size = dir_size(&dir);
        let mut st = self.lock();
        if let Some(e) = st.entries.get_mut(&lease.key) {
            e.present = true;
            e.size = size;
        }
    }

    /// Touch the last-use marker only (a warm hit changes nothing else).
    pub(crate) fn touch(&self, lease: &Lease<'_>) {
        touch(&lease.key.dir(&self.root).join(LAST_USED));
    }

    /// Evict least-recently-used mirrors that no one holds until the total
    /// size is at most `max_bytes`. Returns (evicted, failed deletions).
    pub(crate) fn evict(&self, max_bytes: u64) -> (u64, u64) {
        let mut evicted = 0;
        loop {
            let victim = {
                let mut st = self.lock();
                let total: u64 = st
                    .entries
                    .values()
                    .filter(|e| e.present)
                    .map(|e| e.size)
                    .sum();
                if total <= max_bytes {
                    return (evicted, 0);
                }
                let Some((key, e)) = st
                    .entries
                    .iter_mut()
                    .filter(|(_, e)| e.present && !e.busy)
                    .min_by_key(|(_, e)| e.last_used)
                else {
                    // Everything left is in use: the bound is exceeded until
                    // those mirrors are released and a later sync evicts.
                    return (evicted, 0);
                };
                e.busy = true;
                key.clone()
            };
            let removed = self.remove_dir(&victim);
            {
                let mut st = self.lock();
                if let Some(e) = st.entries.get_mut(&victim) {
                    e.busy = false;
                    if removed.is_ok() {
                        e.present = false;
                        e.size = 0;
                    }
                }
            }
            self.released.notify_all();
            match removed {
                Ok(()) => evicted += 1,
                // Stop rather than loop on a directory that will not go.
                Err(_) => return (evicted, 1),
            }
        }
    }

    /// (number of mirrors, total bytes) as last measured.
    pub(crate) fn totals(&self) -> (u64, u64) {
        let st = self.lock();
        st.entries
            .values()
            .filter(|e| e.present)
            .fold((0, 0), |(n, b), e| (n + 1, b + e.size))
    }

    /// Move the mirror into the trash, then delete it there.
    fn remove_dir(&self, key: &MirrorKey) -> std::io::Result<()> {
        let dir = key.dir(&self.root);
        let trash = self.root.join(TRASH);
        fs::create_dir_all(&trash)?;
        let seq = self.trash_seq.fetch_add(1, Ordering::Relaxed);
        let target = trash.join(format!("{}-{seq}", std::process::id()));
        match fs::rename(&dir, &target) {
            Ok(()) => fs::remove_dir_all(&target),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn read_dir_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect()
}

fn last_used_time(dir: &Path) -> SystemTime {
    fs::metadata(dir.join(LAST_USED))
        .or_else(|_| fs::metadata(dir))
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

fn touch(path: &Path) {
    if let Ok(f) = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
    {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// Delete `*.lock` files left in a mirror by a process that died mid-fetch
/// (they would make every later fetch fail). Only called while holding the
/// mirror, in the one process that owns the root, so no lock is live.
pub(crate) fn remove_stale_locks(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                // Objects are written to temporary files, never locked.
                Ok(t) if t.is_dir() && entry.file_name() != "objects" => stack.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "lock") => {
                    let _ = fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
}

/// Bytes of the files under `dir` (symbolic links are not followed).
pub(crate) fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
