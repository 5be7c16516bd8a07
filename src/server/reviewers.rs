//! Review requests: ask the configured reviewers once.
//!
//! Stateless, like everything in the App: "once" is recomputed from GitHub on every evaluation —
//! never someone already requested, never someone who already reviewed, never the author, and a
//! team is left alone when it is requested or one of its members already reviewed.

use std::collections::BTreeSet;

use crate::github::{GitHubApi, GitHubError, InstallationClient, PullRequest, RepoRef, Result};

use super::inputs::PolicyInfo;

/// Who to ask, given the current state of the pull request (pure; tested without GitHub).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReviewPlan {
    pub users: Vec<String>,
    /// Team slugs (without the organization).
    pub teams: Vec<String>,
}

/// The users and teams still to request.
///
/// `teams` are `org/slug`; GitHub can only request teams of the repository's organization, so
/// others are skipped. `team_reviewed(slug)` says whether a member already reviewed.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    repo_owner: &str,
    author: &str,
    users: &[String],
    teams: &[String],
    requested_users: &[String],
    requested_teams: &[String],
    reviewed_by: &[String],
    team_reviewed: impl Fn(&str) -> bool,
) -> ReviewPlan {
    let lower = |v: &[String]| -> BTreeSet<String> { v.iter().map(|s| s.to_lowercase()).collect() };
    let skip_users: BTreeSet<String> = lower(requested_users)
        .into_iter()
        .chain(lower(reviewed_by))
        .chain([author.to_lowercase()])
        .collect();
    let skip_teams = lower(requested_teams);
    let mut out = ReviewPlan::default();
    for u in users {
        let u = u.trim_start_matches('@');
        if !skip_users.contains(&u.to_lowercase())
            && !out.users.iter().any(|x| x.eq_ignore_ascii_case(u))
        {
            out.users.push(u.to_string());
        }
    }
    for t in teams {
        let Some((org, slug)) = t.trim_start_matches('@').split_once('/') else {
            continue;
        };
        if !org.eq_ignore_ascii_case(repo_owner)
            || skip_teams.contains(&slug.to_lowercase())
            || out.teams.iter().any(|x| x.eq_ignore_ascii_case(slug))
            || team_reviewed(slug)
        {
            continue;
        }
        out.teams.push(slug.to_string());
    }
    out
}

/// Request the configured reviewers that are still missing.
pub(crate) async fn request_reviews(
    client: &InstallationClient,
    repo: &RepoRef,
    pr: &PullRequest,
    policy: &PolicyInfo,
) -> Result<()> {
    if policy.users.is_empty() && policy.teams.is_empty() {
        return Ok(());
    }
    let requested = client.requested_reviewers(repo, pr.number).await?;
    let reviews = client.pull_request_reviews(repo, pr.number).await?;
    let author = pr
        .user
        .as_ref()
        .map(|u| u.login.clone())
        .unwrap_or_default();
    let reviewed_by: Vec<String> = reviews
        .iter()
        .filter_map(|r| r.user.as_ref())
        .filter(|u| !u.login.eq_ignore_ascii_case(&author))
        .map(|u| u.login.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Which teams already have a reviewing member (membership calls only when someone reviewed).
    let mut reviewed_teams = BTreeSet::new();
    for t in &policy.teams {
        let Some((org, slug)) = t.trim_start_matches('@').split_once('/') else {
            continue;
        };
        for login in &reviewed_by {
            if client.team_membership(org, slug, login).await?.is_active() {
                reviewed_teams.insert(slug.to_lowercase());
                break;
            }
        }
    }
    let requested_users: Vec<String> = requested.users.iter().map(|u| u.login.clone()).collect();
    let requested_teams: Vec<String> = requested.teams.iter().map(|t| t.slug.clone()).collect();
    let todo = plan(
        &repo.owner,
        &author,
        &policy.users,
        &policy.teams,
        &requested_users,
        &requested_teams,
        &reviewed_by,
        |slug| reviewed_teams.contains(&slug.to_lowercase()),
    );
    if todo.users.is_empty() && todo.teams.is_empty() {
        return Ok(());
    }
    tracing::info!(repo = %repo, pr = pr.number, users = ?todo.users, teams = ?todo.teams, "requesting reviews");
    match client
        .request_reviewers(repo, pr.number, &todo.users, &todo.teams)
        .await
    {
        // GitHub refuses the whole request when one reviewer cannot be asked (not a
        // collaborator, unknown team): ask the others one by one, so one stale name in the
        // policy does not silence everyone.
        Err(GitHubError::Unprocessable { message, .. }) => {
            tracing::warn!(repo = %repo, pr = pr.number, message, "review request refused; requesting reviewers one by one");
            let singles = todo
                .users
                .iter()
                .map(|u| (vec![u.clone()], Vec::new()))
                .chain(todo.teams.iter().map(|t| (Vec::new(), vec![t.clone()])));
            for (users, teams) in singles {
                if let Err(e) = client
                    .request_reviewers(repo, pr.number, &users, &teams)
                    .await
                {
                    tracing::warn!(repo = %repo, pr = pr.number, ?users, ?teams, error = %e, "could not request a review");
                }
            }
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn never_the_author_requested_or_reviewed() {
        let p = plan(
            "acme",
            "dev-alice",
            &s(&["dana", "Dev-Alice", "bob", "carol", "dana"]),
            &s(&["acme/sec", "other/sec", "acme/reqd", "acme/done", "bad"]),
            &s(&["BOB"]),
            &s(&["reqd"]),
            &s(&["carol"]),
            |slug| slug == "done",
        );
        assert_eq!(p.users, ["dana"]);
        assert_eq!(p.teams, ["sec"]);
    }

    #[test]
    fn nothing_left() {
        let p = plan("acme", "a", &s(&["a"]), &[], &[], &[], &[], |_| false);
        assert_eq!(p, ReviewPlan::default());
    }
}
