//! Response bodies: GitHub's example responses from the description with the fake's state laid
//! over them, and GitHub-style pagination.

use serde_json::{Value, json};

use super::handlers::{Call, Ctx, Reply, query};
use super::state::*;

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// GitHub-style pagination: `per_page` (default 30, max 100), `page`, `Link` with next/last.
pub fn paginate(items: Vec<Value>, call: &Call, wrap: impl FnOnce(Vec<Value>) -> Value) -> Reply {
    let per_page = query(call, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = query(call, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let start = ((page - 1) * per_page).min(items.len());
    let end = (start + per_page).min(items.len());
    let slice = items[start..end].to_vec();
    let mut reply = Reply::json(200, wrap(slice));
    if page < pages {
        let link_to = |p: usize| {
            let mut q: Vec<(String, String)> = call
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .cloned()
                .collect();
            q.push(("page".into(), p.to_string()));
            let qs: Vec<String> = q
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect();
            format!("{}?{}", call.self_url, qs.join("&"))
        };
        reply.headers.push((
            "link".into(),
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                link_to(page + 1),
                link_to(pages)
            ),
        ));
    }
    reply
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn team(slug: &str) -> Value {
    json!({"id": 1, "slug": slug, "name": slug, "node_id": "T_1", "url": "https://api.github.example/teams/1",
           "html_url": format!("https://github.example/orgs/acme/teams/{slug}"), "permission": "pull",
           "members_url": "https://api.github.example/teams/1/members{/member}",
           "repositories_url": "https://api.github.example/teams/1/repos", "description": null,
           "privacy": "closed", "parent": null, "type": "organization"})
}

/// Deep merge: objects merged key by key (patch wins), anything else replaced.
pub fn merge(base: Value, patch: Value) -> Value {
    match (base, patch) {
        (Value::Object(mut b), Value::Object(p)) => {
            for (k, v) in p {
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Value::Object(b)
        }
        (_, p) => p,
    }
}

/// Response bodies: GitHub's examples with the fake's data over them.
pub struct Templates<'a> {
    pub ctx: &'a Ctx<'a>,
}

impl Templates<'_> {
    pub fn example(&self, op: &str, status: &str) -> Value {
        self.ctx
            .desc
            .and_then(|d| d.example(op, status))
            .unwrap_or_else(|| json!({}))
    }

    pub fn user(&self, login: &str) -> Value {
        let base = self
            .example("repos/get-collaborator-permission-level", "200")
            .get("user")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let bot = login.ends_with("[bot]");
        let id = login
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
            % 1_000_000;
        merge(
            base,
            json!({"login": login, "id": id, "type": if bot { "Bot" } else { "User" },
            // A bot's page is its App's (`[` and `]` are not allowed in a URL path).
            "html_url": match login.strip_suffix("[bot]") {
                Some(app) => format!("https://github.example/apps/{app}"),
                None => format!("https://github.example/{login}"),
            }}),
        )
    }

    pub fn repo(&self, r: &FakeRepo) -> Value {
        let base = self
            .example("pulls/get", "200")
            .pointer("/base/repo")
            .cloned()
            .unwrap_or_else(|| json!({}));
        merge(
            base,
            json!({"id": r.id, "name": r.name, "full_name": format!("{}/{}", r.owner, r.name),
            "owner": self.user(&r.owner), "clone_url": r.clone_url(), "private": true, "fork": false, "default_branch": "main"}),
        )
    }

    pub fn pull(&self, r: &FakeRepo, p: &FakePull) -> Value {
        let base = self.example("pulls/get", "200");
        let head_repo = merge(
            self.repo(r),
            json!({"clone_url": p.head_clone_url.clone().unwrap_or_else(|| r.clone_url())}),
        );
        merge(
            base,
            json!({
                "number": p.number, "state": p.state, "title": p.title, "body": p.body, "draft": p.draft,
                "merged": false, "user": self.user(&p.author),
                "html_url": format!("https://github.example/{}/{}/pull/{}", r.owner, r.name, p.number),
                "head": {"ref": p.head_ref, "sha": p.head_sha, "label": format!("{}:{}", r.owner, p.head_ref), "repo": head_repo, "user": self.user(&r.owner)},
                "base": {"ref": p.base_ref, "sha": p.base_sha, "label": format!("{}:{}", r.owner, p.base_ref), "repo": self.repo(r), "user": self.user(&r.owner)},
                "requested_reviewers": p.requested_users.iter().map(|u| self.user(u)).collect::<Vec<_>>(),
                "requested_teams": p.requested_teams.iter().map(|s| team(s)).collect::<Vec<_>>(),
            }),
        )
    }

    pub fn commit(&self, c: &FakeCommit) -> Value {
        let base = self
            .example("pulls/list-commits", "200")
            .get(0)
            .cloned()
            .unwrap_or_else(|| json!({}));
        let account = |l: &Option<String>| l.as_deref().map_or(Value::Null, |l| self.user(l));
        let mut v = merge(
            base,
            json!({
                "sha": c.sha,
                "commit": {"message": c.message,
                    "author": {"name": c.author_name, "email": c.author_email, "date": now_rfc3339()},
                    "committer": {"name": c.committer_name, "email": c.committer_email, "date": now_rfc3339()}},
            }),
        );
        // Replace (not merge) the accounts: unlinked e-mails give `null`.
        v["author"] = account(&c.author_login);
        v["committer"] = account(&c.committer_login);
        v
    }

    pub fn review(&self, r: &FakeReview) -> Value {
        let base = self
            .example("pulls/list-reviews", "200")
            .get(0)
            .cloned()
            .unwrap_or_else(|| json!({}));
        merge(
            base,
            json!({"id": r.id, "user": self.user(&r.user), "body": r.body, "state": r.state,
            "commit_id": r.commit_id, "submitted_at": now_rfc3339()}),
        )
    }

    pub fn comment(&self, r: &FakeRepo, c: &FakeComment) -> Value {
        let base = self.example("issues/create-comment", "201");
        merge(
            base,
            json!({"id": c.id, "user": self.user(&c.user), "body": c.body, "created_at": c.created_at,
            "updated_at": c.updated_at, "author_association": "MEMBER",
            "html_url": format!("https://github.example/{}/{}/pull/{}#issuecomment-{}", r.owner, r.name, c.issue_number, c.id)}),
        )
    }

    pub fn check_run(&self, r: &FakeRepo, c: &FakeCheckRun) -> Value {
        let base = self.example("checks/create", "201");
        merge(
            base,
            json!({
                "id": c.id, "name": c.name, "head_sha": c.head_sha, "status": c.status, "conclusion": c.conclusion,
                "external_id": c.external_id, "details_url": c.details_url, "started_at": c.started_at,
                "completed_at": c.completed_at,
                "html_url": format!("https://github.example/{}/{}/runs/{}", r.owner, r.name, c.id),
                "output": {"title": c.title, "summary": c.summary, "text": c.text, "annotations_count": c.annotations.len()},
                "app": {"id": c.app_id, "slug": self.ctx.app_slug},
                "pull_requests": [],
            }),
        )
    }
}
