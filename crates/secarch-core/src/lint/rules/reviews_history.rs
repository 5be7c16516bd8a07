//! Review rules that need git history: SA052 (architecture changed since the
//! last review), SA053 (threat model changed since the last review), SA055
//! (the last review is independent and security-qualified).
//!
//! Without a [`ReviewHistory`](crate::lint::ReviewHistory) SA052/SA053 are
//! skipped and SA055 checks the role only.

use std::collections::BTreeMap;

use super::reviews::{describe, is_security_role};
use crate::lint::context::{AfterReview, Ctx, Out};
use crate::lint::review_facts::HistoryCommit;
use crate::lint::watch::{PathClass, Watch};
use crate::model::Review;

/// Changed paths listed in a message before "and N more".
const LISTED: usize = 5;

const HISTORY_FIX: &str = "make the full git history available (`git fetch --unshallow`, or actions/checkout with fetch-depth: 0)";

/// Changed path → (category or "threat model", short commit).
type Changed = BTreeMap<String, (String, String)>;

/// The commit that added the last review and what changed after it.
type ChangesAfter = Result<Option<(String, Changed)>, String>;

/// The watch categories with the configured threat models (policy and document).
fn watch(cx: &Ctx<'_>) -> Result<Watch, String> {
    let mut models: Vec<String> = cx
        .input
        .policy
        .threat_models
        .iter()
        .map(|r| r.path.clone())
        .collect();
    models.extend(cx.doc.threat_models.iter().map(|r| r.value.path.clone()));
    Watch::new(cx.input.policy, models, &cx.doc.path)
}

/// The commit that added the last review and the commits after it (read once
/// for SA052 and SA053).
fn after_last_review<'c>(cx: &'c Ctx<'_>) -> &'c AfterReview {
    cx.after_last_review.get_or_init(|| {
        let (Some(history), Some(last)) = (cx.input.history, cx.doc.last_review()) else {
            return Ok(None);
        };
        let Some(commit) = history.review_added_in(&cx.doc.path, last)? else {
            return Ok(None);
        };
        let after = history.commits_between(Some(&commit), None)?;
        Ok(Some((commit, after)))
    })
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// Changed paths of `wanted` class after the last review: path → (what, commit).
fn changes_after<'c>(cx: &'c Ctx<'_>, wanted: fn(&PathClass) -> Option<String>) -> ChangesAfter {
    let Some((commit, after)) = after_last_review(cx).as_ref().map_err(Clone::clone)? else {
        return Ok(None);
    };
    let watch = watch(cx)?;
    let mut changed = BTreeMap::new();
    for c in after {
        for p in &c.paths {
            if let Some(what) = wanted(&watch.classify(p)) {
                changed
                    .entry(p.clone())
                    .or_insert((what, short(&c.id).to_string()));
            }
        }
    }
    Ok(Some((commit.clone(), changed)))
}

fn report(cx: &Ctx<'_>, out: &mut Out, rule: &'static str, what: &str, result: ChangesAfter) {
    let Some(last) = cx.doc.last_review() else {
        return;
    };
    match result {
        Err(e) => out.push(
            rule,
            last.pos,
            format!("could not read git history to check whether the {what} changed since the last review: {e}; {HISTORY_FIX}"),
        ),
        Ok(Some((commit, changed))) if !changed.is_empty() => {
            let mut list: Vec<String> = changed
                .iter()
                .take(LISTED)
                .map(|(p, (kind, c))| format!("{p} ({kind}, {c})"))
                .collect();
            if changed.len() > LISTED {
                list.push(format!("and {} more", changed.len() - LISTED));
            }
            out.push(
                rule,
                last.pos,
                format!(
                    "the {what} changed since the last review ({}, added in {}): {}; review the change and add a new review record",
                    describe(last),
                    short(&commit),
                    list.join(", ")
                ),
            );
        }
        Ok(_) => {}
    }
}

/// SA052: watched architecture files changed after the commit that added the last review.
pub fn sa052(cx: &Ctx<'_>, out: &mut Out) {
    let result = changes_after(cx, |c| match c {
        PathClass::Architecture(category) => Some(category.clone()),
        _ => None,
    });
    report(cx, out, "SA052", "system architecture", result);
}

/// SA053: threat-model files changed after the commit that added the last review.
pub fn sa053(cx: &Ctx<'_>, out: &mut Out) {
    let result = changes_after(cx, |c| match c {
        PathClass::ThreatModel => Some("threat model".to_string()),
        _ => None,
    });
    report(cx, out, "SA053", "threat model", result);
}

/// SA055: the last review has a security-qualified role and its reviewer did
/// not author the reviewed change.
pub fn sa055(cx: &Ctx<'_>, out: &mut Out) {
    let Some(last) = cx.doc.last_review() else {
        return;
    };
    if let Some(role) = &last.role
        && !is_security_role(&role.value)
    {
        out.push(
            "SA055",
            role.pos,
            format!(
                "the last review ({}) was done in role \"{}\", which is not security-qualified; have a security architect, product-security engineer or CISO review the architecture (roles containing security, architect, ciso, psirt, appsec … count)",
                describe(last),
                role.value
            ),
        );
    }
    let Some(history) = cx.input.history else {
        return;
    };
    match reviewed_range(cx, history, last) {
        Err(e) => out.push(
            "SA055",
            last.pos,
            format!("could not read git history to check that the last review is independent: {e}; {HISTORY_FIX}"),
        ),
        Ok(commits) => {
            let Some(reviewer) = &last.reviewer else { return };
            let authored = commits.iter().find(|c| same_person(&reviewer.value, c));
            if let Some(c) = authored {
                out.push(
                    "SA055",
                    reviewer.pos,
                    format!(
                        "the last review is not independent: its reviewer {} authored commit {} of the reviewed change; have someone who did not write the change review it",
                        reviewer.value,
                        short(&c.id)
                    ),
                );
            }
        }
    }
}

/// The commits the last review covered: after the previous review's commit,
/// up to the commit that added the last one (head when not committed yet).
fn reviewed_range(
    cx: &Ctx<'_>,
    history: &dyn crate::lint::ReviewHistory,
    last: &Review,
) -> Result<Vec<HistoryCommit>, String> {
    let dated = cx.doc.dated_reviews();
    let until = history.review_added_in(&cx.doc.path, last)?;
    let previous = match dated.len().checked_sub(2).and_then(|i| dated.get(i)) {
        Some(prev) => history.review_added_in(&cx.doc.path, prev)?,
        None => None,
    };
    let commits = history.commits_between(previous.as_deref(), until.as_deref())?;
    // Commits that only touched the document (e.g. adding the review) are
    // not the reviewed change.
    let document = cx.doc.path.as_str();
    Ok(commits
        .into_iter()
        .filter(|c| c.paths.iter().any(|p| p != document))
        .collect())
}

/// Whether a review's reviewer is the commit's author: names or the e-mail's
/// local part compared without case, spaces or punctuation.
fn same_person(reviewer: &str, c: &HistoryCommit) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let who = squash(reviewer);
    if who.is_empty() {
        return false;
    }
    let local = c.author_email.split('@').next().unwrap_or("");
    who == squash(&c.author_name) || who == squash(local)
}

#[cfg(test)]
mod tests;
