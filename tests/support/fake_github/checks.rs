//! Check runs: create, update (annotations appended, as GitHub does), get, list for a ref.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::handlers::{Call, Reply, error, not_found, num, query, str_field};
use super::state::*;
use super::templates::{Templates, paginate};

pub fn checks_create(repo: &mut FakeRepo, t: &Templates, call: &Call, id: u64) -> Reply {
    let body = call.body.clone().unwrap_or(Value::Null);
    let conclusion = str_field(&call.body, "conclusion");
    let mut run = FakeCheckRun {
        id,
        app_id: t.ctx.app_id,
        name: str_field(&call.body, "name").unwrap_or_default(),
        head_sha: str_field(&call.body, "head_sha").unwrap_or_default(),
        status: if conclusion.is_some() {
            "completed".into()
        } else {
            str_field(&call.body, "status").unwrap_or_else(|| "queued".into())
        },
        conclusion,
        ..Default::default()
    };
    apply_check_fields(&mut run, &body);
    let reply = Reply::json(201, t.check_run(repo, &run));
    repo.check_runs.push(run);
    reply
}

pub fn check_run(repo: &mut FakeRepo, t: &Templates, call: &Call) -> Reply {
    let Some(id) = num(call, "check_run_id") else {
        return not_found();
    };
    let Some(pos) = repo.check_runs.iter().position(|r| r.id == id) else {
        return not_found();
    };
    if call.op == "checks/update" {
        if repo.check_runs[pos].app_id != t.ctx.app_id {
            return error(403, "Resource not accessible by integration");
        }
        let body = call.body.clone().unwrap_or(Value::Null);
        let run = &mut repo.check_runs[pos];
        if let Some(c) = str_field(&call.body, "conclusion") {
            run.conclusion = Some(c);
            run.status = "completed".into();
        }
        if let Some(s) = str_field(&call.body, "status") {
            run.status = s;
        }
        if let Some(n) = str_field(&call.body, "name") {
            run.name = n;
        }
        apply_check_fields(run, &body);
    }
    let run = repo.check_runs[pos].clone();
    Reply::json(200, t.check_run(repo, &run))
}

/// Fields shared by create and update; annotations are appended.
fn apply_check_fields(run: &mut FakeCheckRun, body: &Value) {
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(v) = s("external_id") {
        run.external_id = Some(v);
    }
    if let Some(v) = s("details_url") {
        run.details_url = Some(v);
    }
    if let Some(v) = s("started_at") {
        run.started_at = Some(v);
    }
    if let Some(v) = s("completed_at") {
        run.completed_at = Some(v);
    }
    if let Some(out) = body.get("output") {
        let o = |k: &str| out.get(k).and_then(Value::as_str).map(str::to_string);
        run.title = o("title").or(run.title.take());
        run.summary = o("summary").or(run.summary.take());
        run.text = o("text").or(run.text.take());
        if let Some(a) = out.get("annotations").and_then(Value::as_array) {
            run.annotations.extend(a.iter().cloned());
        }
    }
}

pub fn checks_for_ref(repo: &FakeRepo, t: &Templates, call: &Call) -> Reply {
    let git_ref = call.params.get("ref").cloned().unwrap_or_default();
    let shas: Vec<String> = std::iter::once(git_ref.clone())
        .chain(
            repo.pulls
                .values()
                .filter(|p| {
                    [
                        p.head_ref.clone(),
                        format!("heads/{}", p.head_ref),
                        format!("refs/heads/{}", p.head_ref),
                    ]
                    .contains(&git_ref)
                })
                .map(|p| p.head_sha.clone()),
        )
        .collect();
    let name = query(call, "check_name");
    let status = query(call, "status");
    let app_id = query(call, "app_id").and_then(|a| a.parse::<u64>().ok());
    let latest = query(call, "filter").unwrap_or("latest") == "latest";
    let mut runs: Vec<&FakeCheckRun> = repo
        .check_runs
        .iter()
        .filter(|r| shas.contains(&r.head_sha))
        .filter(|r| name.is_none_or(|n| r.name == n))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .filter(|r| app_id.is_none_or(|a| r.app_id == a))
        .collect();
    if latest {
        // GitHub: "Filters check runs by their `completed_at` timestamp. `latest` returns the
        // most recent check runs." A run still in progress has none, so a completed run hides a
        // newer unfinished one of the same name.
        let key = |r: &FakeCheckRun| (r.completed_at.clone(), r.id);
        let mut newest: BTreeMap<(&str, u64), (Option<String>, u64)> = BTreeMap::new();
        for r in &runs {
            let e = newest.entry((&r.name, r.app_id)).or_default();
            *e = (*e).clone().max(key(r));
        }
        runs.retain(|r| newest.get(&(r.name.as_str(), r.app_id)) == Some(&key(r)));
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    let total = runs.len();
    let items = runs.into_iter().map(|r| t.check_run(repo, r)).collect();
    paginate(
        items,
        call,
        |page| json!({"total_count": total, "check_runs": page}),
    )
}
