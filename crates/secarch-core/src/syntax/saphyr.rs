//! [`super::limits`] as serde-saphyr options, for the readers built on it (threat
//! models, the policy, the files read for content signals), and its budget
//! errors back as a [`Limit`].
//!
//! serde-saphyr enforces its budget on the events it *replays* for aliases too:
//! its scalar-byte and node counters grow with every expanded alias (the tests
//! of this module check that rather than trust it), so the byte bomb stops at
//! [`MAX_EXPANDED_BYTES`] like in the front-matter reader.

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, Options};

use super::limits::{
    Limit, MAX_ALIAS_NODES, MAX_ALIASES, MAX_DEPTH, MAX_EXPANDED_BYTES, MAX_INPUT_BYTES, MAX_NODES,
};

/// Options with the shared limits; readers add their own settings (duplicate
/// keys, booleans) on top.
pub fn options() -> Options {
    let mut aliases = serde_saphyr::options::AliasLimits::default();
    // Replayed events: one per replayed node plus one per collection's end, so
    // this admits at most MAX_ALIAS_NODES nodes.
    aliases.max_total_replayed_events = MAX_ALIAS_NODES;
    aliases.max_replay_stack_depth = MAX_DEPTH;
    serde_saphyr::options! {
        alias_limits: aliases,
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_INPUT_BYTES),
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            // A node is one event, a collection two, plus a few per document.
            max_events: 2 * MAX_NODES + 1024,
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ALIASES,
            max_total_scalar_bytes: MAX_EXPANDED_BYTES,
            max_recorded_anchor_bytes: MAX_EXPANDED_BYTES,
            max_recorded_anchor_events: MAX_NODES,
            // The limits above count what aliases cost exactly; the ratio heuristic
            // (aliases > 10 × anchors) would refuse a Compose file whose one
            // `x-defaults` anchor is merged into a hundred services, and a bomb
            // defeats it by defining a few hundred unused anchors.
            enforce_alias_anchor_ratio: false,
        },
    }
}

/// The limit behind a serde-saphyr error, if it is a budget or alias-limit error.
pub fn limit_of(err: &Error) -> Option<Limit> {
    let mut err = err;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = err {
        err = error;
    }
    Some(match err {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => Limit::Depth,
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::MergeKeys { .. }
            | BudgetBreach::AliasAnchorRatio { .. } => Limit::Aliases,
            BudgetBreach::ScalarBytes { .. } | BudgetBreach::RecordedAnchorBytes { .. } => {
                Limit::ExpandedBytes
            }
            BudgetBreach::RecordedAnchorEvents { .. } => Limit::AliasNodes,
            BudgetBreach::InputBytes { .. } => Limit::InputBytes,
            _ => Limit::Nodes,
        },
        Error::AliasReplayLimitExceeded { .. } | Error::AliasReplayCounterOverflow { .. } => {
            Limit::AliasNodes
        }
        Error::AliasExpansionLimitExceeded { .. } => Limit::Aliases,
        Error::AliasReplayStackDepthExceeded { .. } => Limit::Depth,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<serde_saphyr::budget::BudgetReport, Option<Limit>> {
        let report = std::rc::Rc::new(std::cell::RefCell::new(None));
        let sink = report.clone();
        let options = options().with_budget_report(move |r| {
            sink.replace(Some(r));
        });
        // Any value: what matters is what the parser and its replays cost.
        serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(text, options)
            .map_err(|e| limit_of(&e))?;
        let report = report.borrow_mut().take();
        Ok(report.expect("a report"))
    }

    fn aliases(name: &str, n: usize) -> String {
        vec![format!("*{name}"); n].join(", ")
    }

    #[test]
    fn replayed_scalar_bytes_are_counted() {
        // Don't trust it, test it: 1 MiB aliased 10 times is counted as 11 MiB.
        let big = "a".repeat(1024 * 1024);
        let report = read(&format!("p: &p {big}\nl: [{}]\n", aliases("p", 10))).unwrap();
        assert!(report.total_scalar_bytes >= 11 * 1024 * 1024, "{report:?}");
        // ... and the byte bomb stops at the limit.
        let bomb = format!("p: &p {big}\nl: [{}]\n", aliases("p", 3000));
        assert_eq!(read(&bomb).unwrap_err(), Some(Limit::ExpandedBytes));
    }

    #[test]
    fn replayed_nodes_are_counted() {
        let list = vec!["0"; 20_000].join(",");
        let bomb = format!("s: &s [{list}]\nl: [{}]\n", aliases("s", 3000));
        assert_eq!(read(&bomb).unwrap_err(), Some(Limit::AliasNodes));
        let merge: Vec<String> = (0..10_000).map(|i| format!("k{i}: 0")).collect();
        let bomb = format!(
            "m: &m {{{}}}\nl: [{}]\n",
            merge.join(", "),
            vec!["{<<: *m}"; 3000].join(", ")
        );
        assert_eq!(read(&bomb).unwrap_err(), Some(Limit::AliasNodes));
    }

    #[test]
    fn other_limits_and_ordinary_files() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(read(&deep).unwrap_err(), Some(Limit::Depth));
        let many = format!("l: [{}]\n", aliases("a", MAX_ALIASES + 1));
        let many = format!("a: &a 1\n{many}");
        assert_eq!(read(&many).unwrap_err(), Some(Limit::Aliases));
        // One anchor merged into many services is fine (no ratio heuristic).
        let compose: String = (0..500)
            .map(|i| format!("  s{i}: {{<<: *d, image: x}}\n"))
            .collect();
        let compose = format!("x-d: &d {{restart: always}}\nservices:\n{compose}");
        assert!(read(&compose).is_ok());
        assert_eq!(read("a: [1, 2\n").unwrap_err(), None);
    }
}
