//! Counting a tree against [`super::limits`] while a reader builds it from parser
//! events itself (the document's front matter). The readers on serde-saphyr get
//! the same limits through [`super::saphyr`]; this is the same accounting for a
//! reader that expands aliases on its own.
//!
//! Why a budget of its own and not the parser's: the parser only sees the text;
//! the cost is in what the reader builds from it. An alias is one event but the
//! reader copies the whole anchored subtree, and a 2 MiB string is one node; so
//! every copy is charged with its nodes *and* its bytes, before it is made.

use super::limits::{
    Limit, MAX_ALIAS_NODES, MAX_ALIASES, MAX_DEPTH, MAX_EXPANDED_BYTES, MAX_NODES,
};

/// The size of a subtree: what a copy of it costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub nodes: usize,
    /// Bytes of scalar text (keys included).
    pub bytes: usize,
    /// Nesting levels inside it: 0 for a scalar, 1 for a list of scalars.
    pub height: usize,
}

/// Running totals of one file, each checked against its limit as it grows.
#[derive(Debug, Default)]
pub struct Budget {
    nodes: usize,
    aliases: usize,
    alias_nodes: usize,
    bytes: usize,
}

impl Budget {
    pub fn new() -> Budget {
        Budget::default()
    }

    /// One node read from the text: a scalar with `bytes` of text, or the start
    /// of a collection (`bytes` 0) that `depth` collections enclose.
    pub fn node(&mut self, depth: usize, bytes: usize, collection: bool) -> Result<(), Limit> {
        if collection && depth >= MAX_DEPTH {
            return Err(Limit::Depth);
        }
        self.add_nodes(1)?;
        self.add_bytes(bytes)
    }

    /// A copy of an anchored subtree, kept so later aliases can repeat it.
    pub fn anchor_copy(&mut self, cost: Cost) -> Result<(), Limit> {
        self.add_alias_nodes(cost.nodes)?;
        self.add_bytes(cost.bytes)
    }

    /// An alias expanded where `depth` collections enclose it.
    pub fn alias(&mut self, depth: usize, cost: Cost) -> Result<(), Limit> {
        self.aliases = self.aliases.saturating_add(1);
        if self.aliases > MAX_ALIASES {
            return Err(Limit::Aliases);
        }
        if depth.saturating_add(cost.height) > MAX_DEPTH {
            return Err(Limit::Depth);
        }
        self.add_alias_nodes(cost.nodes)?;
        self.add_nodes(cost.nodes)?;
        self.add_bytes(cost.bytes)
    }

    fn add_nodes(&mut self, n: usize) -> Result<(), Limit> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(Limit::Nodes);
        }
        Ok(())
    }

    fn add_alias_nodes(&mut self, n: usize) -> Result<(), Limit> {
        self.alias_nodes = self.alias_nodes.saturating_add(n);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(Limit::AliasNodes);
        }
        Ok(())
    }

    fn add_bytes(&mut self, n: usize) -> Result<(), Limit> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > MAX_EXPANDED_BYTES {
            return Err(Limit::ExpandedBytes);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1024 * 1024;

    #[test]
    fn a_big_string_aliased_stops_at_the_byte_limit_not_at_the_node_limit() {
        let mut b = Budget::new();
        let big = Cost {
            nodes: 1,
            bytes: 2 * MIB,
            height: 0,
        };
        b.node(1, 2 * MIB, false).unwrap();
        b.anchor_copy(big).unwrap();
        let mut copies = 0;
        let err = loop {
            match b.alias(2, big) {
                Ok(()) => copies += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(err, Limit::ExpandedBytes);
        // 32 MiB = the text, the anchor's copy and 14 aliases.
        assert_eq!(copies, MAX_EXPANDED_BYTES / (2 * MIB) - 2);
    }

    #[test]
    fn empty_nodes_stop_at_the_alias_node_limit() {
        let mut b = Budget::new();
        let list = Cost {
            nodes: 20_001,
            bytes: 20_000,
            height: 1,
        };
        assert_eq!(b.anchor_copy(list), Ok(()));
        let err = (0..100).find_map(|_| b.alias(1, list).err());
        assert_eq!(err, Some(Limit::AliasNodes));
    }

    #[test]
    fn alias_count_and_depth() {
        let mut b = Budget::new();
        let tiny = Cost {
            nodes: 1,
            bytes: 1,
            height: 0,
        };
        let err = (0..=MAX_ALIASES).find_map(|_| b.alias(0, tiny).err());
        assert_eq!(err, Some(Limit::Aliases));
        let mut b = Budget::new();
        let deep = Cost {
            nodes: 40,
            bytes: 0,
            height: 40,
        };
        assert_eq!(b.alias(24, deep), Ok(()));
        assert_eq!(b.alias(25, deep), Err(Limit::Depth));
        assert_eq!(b.node(MAX_DEPTH - 1, 0, true), Ok(()));
        assert_eq!(b.node(MAX_DEPTH, 0, true), Err(Limit::Depth));
        assert_eq!(b.node(MAX_DEPTH, 0, false), Ok(()));
    }
}
