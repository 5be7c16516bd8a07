//! Mapping entries in source order where a repeated key keeps its first place
//! and its last value — what most tools (and `JSON.parse`) do with a key written
//! twice in a Compose file or a `package.json`.
//!
//! Why a type of its own: finding the earlier entry by scanning the entries made
//! reading a mapping quadratic in its keys (a 70,000-key `package.json` took
//! 6.6 s). Small mappings, which are most of them, are still scanned (no table to
//! build); from [`SMALL`] entries on, keys are found through a hash index, so
//! reading any mapping is linear.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

/// Up to this many entries a scan is cheaper than a hash table.
const SMALL: usize = 8;

/// Entries `E` keyed by `K` (see the module doc).
#[derive(Debug)]
pub(crate) struct LastWins<K, E> {
    entries: Vec<E>,
    /// Key → position in `entries`; built once the mapping has [`SMALL`] entries.
    index: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone, E> LastWins<K, E> {
    pub fn new() -> LastWins<K, E> {
        LastWins {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Add `entry`, whose key `key_of` reads; an entry with an equal key is
    /// replaced in place.
    pub fn insert(&mut self, entry: E, key_of: impl Fn(&E) -> &K) {
        if self.entries.len() < SMALL {
            let key = key_of(&entry);
            match self.entries.iter().position(|e| key_of(e) == key) {
                Some(i) => self.entries[i] = entry,
                None => {
                    self.entries.push(entry);
                    if self.entries.len() == SMALL {
                        // Keys are distinct here: every insert so far deduplicated.
                        for (i, e) in self.entries.iter().enumerate() {
                            self.index.insert(key_of(e).clone(), i);
                        }
                    }
                }
            }
            return;
        }
        match self.index.entry(key_of(&entry).clone()) {
            Entry::Occupied(slot) => self.entries[*slot.get()] = entry,
            Entry::Vacant(slot) => {
                slot.insert(self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    pub fn into_vec(self) -> Vec<E> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    }

    /// A key that counts how often it is compared.
    #[derive(Debug, Clone)]
    struct Counted(String);

    impl std::hash::Hash for Counted {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }

    impl PartialEq for Counted {
        fn eq(&self, other: &Counted) -> bool {
            COMPARISONS.with(|c| c.set(c.get() + 1));
            self.0 == other.0
        }
    }
    impl Eq for Counted {}

    fn read(keys: impl Iterator<Item = String>) -> Vec<(Counted, usize)> {
        let mut map = LastWins::new();
        for (value, key) in keys.enumerate() {
            map.insert((Counted(key), value), |(k, _)| k);
        }
        map.into_vec()
    }

    #[test]
    fn key_comparisons_grow_linearly_with_the_keys() {
        // A structural check instead of a timing one: the work per key is bounded.
        for n in [1_000, 20_000] {
            COMPARISONS.with(|c| c.set(0));
            let entries = read((0..n).map(|i| format!("dep{i}")));
            let comparisons = COMPARISONS.with(Cell::get);
            assert_eq!(entries.len(), n);
            // Reading keys one by one with a scan makes n²/2 comparisons.
            assert!(
                comparisons <= 3 * n,
                "{comparisons} comparisons for {n} keys"
            );
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_its_last_value() {
        for n in [3, SMALL, 50] {
            let keys = (0..n).map(|i| format!("k{i}")).chain([
                "k1".to_string(),
                "k0".to_string(),
                "new".to_string(),
            ]);
            let got: Vec<(String, usize)> = read(keys).into_iter().map(|(k, v)| (k.0, v)).collect();
            assert_eq!(got.len(), n + 1);
            assert_eq!(got[0], ("k0".to_string(), n + 1));
            assert_eq!(got[1], ("k1".to_string(), n));
            assert_eq!(got[2].1, 2);
            assert_eq!(got[n], ("new".to_string(), n + 2));
        }
    }
}
