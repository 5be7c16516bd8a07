//! GitHub's OpenAPI description (`../shared/fixtures/github-rest-openapi/`, dereferenced subset):
//! which operations exist, and whether a request is a valid call of one.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::schema;

/// One operation of the description.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub template: String,
    segments: Vec<Segment>,
    params: Vec<Param>,
    body: Option<(bool, Value)>,
    responses: Value,
    compiled: schema::Compiled,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param { name: String, multi: bool },
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    location: String,
    required: bool,
    /// `x-multi-segment`: the value may contain `/` (`ref`, `path`).
    multi: bool,
    schema: Value,
}

/// The operations of the description, most specific template first.
#[derive(Debug)]
pub struct Description {
    ops: Vec<Operation>,
    compiled: schema::Compiled,
}

/// Why a request matches no operation.
#[derive(Debug, PartialEq, Eq)]
pub enum NoMatch {
    Path,
    Method(Vec<String>),
}

impl Description {
    /// Load the dereferenced description.
    pub fn load(path: &Path) -> Result<Description, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_value(&doc)
    }

    pub fn from_value(doc: &Value) -> Result<Description, String> {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("description has no `paths`")?;
        let compiled = schema::Compiled::default();
        let mut ops = Vec::new();
        for (template, item) in paths {
            let item = item.as_object().ok_or("path item is not an object")?;
            let shared: Vec<Param> = item
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().filter_map(param).collect())
                .unwrap_or_default();
            for (method, op) in item {
                if !matches!(method.as_str(), "get" | "post" | "patch" | "put" | "delete") {
                    continue;
                }
                let mut params = shared.clone();
                if let Some(ps) = op.get("parameters").and_then(Value::as_array) {
                    for p in ps.iter().filter_map(param) {
                        params.retain(|q| !(q.name == p.name && q.location == p.location));
                        params.push(p);
                    }
                }
                let segments = parse_template(template, &params);
                let body = op.get("requestBody").map(|rb| {
                    let required = rb.get("required") == Some(&Value::Bool(true));
                    let schema = rb
                        .pointer("/content/application~1json/schema")
                        .cloned()
                        .unwrap_or(Value::Bool(true));
                    (required, schema)
                });
                ops.push(Operation {
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    method: method.to_ascii_uppercase(),
                    template: template.clone(),
                    segments,
                    params,
                    body,
                    responses: op.get("responses").cloned().unwrap_or(Value::Null),
                    compiled: compiled.clone(),
                });
            }
        }
        ops.sort_by_key(|o| {
            std::cmp::Reverse(
                o.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count(),
            )
        });
        Ok(Description { ops, compiled })
    }

    /// The operation `method path` calls, with its decoded path parameters.
    pub fn find(
        &self,
        method: &str,
        segments: &[String],
    ) -> Result<(&Operation, BTreeMap<String, String>), NoMatch> {
        let mut methods = Vec::new();
        for op in &self.ops {
            if let Some(params) = match_segments(&op.segments, segments) {
                if op.method == method {
                    return Ok((op, params));
                }
                methods.push(op.method.clone());
            }
        }
        if methods.is_empty() {
            Err(NoMatch::Path)
        } else {
            Err(NoMatch::Method(methods))
        }
    }

    /// Whether the description has `method template` with this operation id.
    pub fn has(&self, method: &str, template: &str, id: &str) -> bool {
        self.ops
            .iter()
            .any(|o| o.method == method && o.template == template && o.id == id)
    }

    /// Problems of a 2xx answer the fake gives for `operation_id` (its own response schema), so
    /// the shapes clients are tested against are GitHub's.
    pub fn check_response(&self, operation_id: &str, status: u16, body: &Value) -> Vec<String> {
        let Some(op) = self.ops.iter().find(|o| o.id == operation_id) else {
            return Vec::new();
        };
        match op
            .responses
            .pointer(&format!("/{status}/content/application~1json/schema"))
        {
            Some(schema) => {
                self.compiled
                    .errors_of(&format!("{operation_id} {status}"), schema, body)
            }
            None => vec![format!(
                "status {status} is not a documented answer of {operation_id}"
            )],
        }
    }

    /// GitHub's first example response body of `operation_id` for `status`.
    pub fn example(&self, operation_id: &str, status: &str) -> Option<Value> {
        let op = self.ops.iter().find(|o| o.id == operation_id)?;
        let examples = op
            .responses
            .pointer(&format!("/{status}/content/application~1json/examples"))?
            .as_object()?;
        examples.values().next()?.get("value").cloned()
    }
}

impl Operation {
    /// Problems with the parameters and body of a request matched to this operation.
    pub fn validate(
        &self,
        path_params: &BTreeMap<String, String>,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for p in self.params.iter().filter(|p| p.location == "path") {
            if let Some(raw) = path_params.get(&p.name) {
                self.check_param(p, raw, &mut problems);
            }
        }
        for p in self.params.iter().filter(|p| p.location == "query") {
            let values: Vec<&String> = query
                .iter()
                .filter(|(k, _)| k == &p.name)
                .map(|(_, v)| v)
                .collect();
            if values.is_empty() && p.required {
                problems.push(format!("required query parameter `{}` is missing", p.name));
            }
            if values.len() > 1 {
                problems.push(format!(
                    "query parameter `{}` given {} times",
                    p.name,
                    values.len()
                ));
            }
            for v in values {
                self.check_param(p, v, &mut problems);
            }
        }
        for (k, _) in query {
            if !self
                .params
                .iter()
                .any(|p| p.location == "query" && &p.name == k)
            {
                problems.push(format!(
                    "query parameter `{k}` is not defined for {}",
                    self.id
                ));
            }
        }
        match (&self.body, body.is_empty()) {
            (None, false) => problems.push(format!("{} takes no request body", self.id)),
            (Some((true, _)), true) => problems.push("the request body is required".to_string()),
            (Some((_, schema)), false) => {
                if !content_type.is_some_and(|c| c.starts_with("application/json")) {
                    problems.push(format!(
                        "request body sent with content-type {content_type:?}, expected application/json"
                    ));
                }
                match serde_json::from_slice::<Value>(body) {
                    Ok(value) => problems.extend(self.compiled.errors_of(
                        &format!("{} body", self.id),
                        schema,
                        &value,
                    )),
                    Err(e) => problems.push(format!("the request body is not JSON: {e}")),
                }
            }
            _ => {}
        }
        problems
    }

    /// Type a raw path/query string by its schema, then validate it.
    fn check_param(&self, p: &Param, raw: &str, problems: &mut Vec<String>) {
        let typed = match p.schema.get("type").and_then(Value::as_str) {
            Some("integer") => match raw.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    problems.push(format!(
                        "{} parameter `{}` = {raw:?} is not an integer",
                        p.location, p.name
                    ));
                    return;
                }
            },
            Some("boolean") => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    problems.push(format!(
                        "{} parameter `{}` = {raw:?} is not a boolean",
                        p.location, p.name
                    ));
                    return;
                }
            },
            _ => Value::String(raw.to_string()),
        };
        let key = format!("{} {} parameter {}", self.id, p.location, p.name);
        for e in self.compiled.errors_of(&key, &p.schema, &typed) {
            problems.push(format!("{} parameter `{}`: {e}", p.location, p.name));
        }
    }
}

fn param(v: &Value) -> Option<Param> {
    Some(Param {
        name: v.get("name")?.as_str()?.to_string(),
        location: v.get("in")?.as_str()?.to_string(),
        required: v.get("required") == Some(&Value::Bool(true)),
        multi: v.get("x-multi-segment") == Some(&Value::Bool(true)),
        schema: v.get("schema").cloned().unwrap_or(Value::Bool(true)),
    })
}

fn parse_template(template: &str, params: &[Param]) -> Vec<Segment> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param {
                    name: name.to_string(),
                    multi: params.iter().any(|p| p.name == name && p.multi),
                },
                None => Segment::Literal(s.to_string()),
            },
        )
        .collect()
}

/// Templates as the fake writes them (for running without the description).
pub fn template_segments(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Match a template given as strings (`{name}` params; `ref`/`path` multi-segment).
pub fn match_template(template: &str, path: &[String]) -> Option<BTreeMap<String, String>> {
    let segs: Vec<Segment> = template_segments(template)
        .into_iter()
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param {
                    multi: matches!(name, "ref" | "path"),
                    name: name.to_string(),
                },
                None => Segment::Literal(s),
            },
        )
        .collect();
    match_segments(&segs, path)
}

fn match_segments(template: &[Segment], path: &[String]) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let mut i = 0;
    for (t, seg) in template.iter().enumerate() {
        match seg {
            Segment::Literal(lit) => {
                if path.get(i)? != lit {
                    return None;
                }
                i += 1;
            }
            Segment::Param { name, multi: false } => {
                let v = path.get(i)?;
                if v.is_empty() {
                    return None;
                }
                params.insert(name.clone(), v.clone());
                i += 1;
            }
            Segment::Param { name, multi: true } => {
                let after = template.len() - t - 1;
                let end = path.len().checked_sub(after)?;
                if end <= i {
                    return None;
                }
                params.insert(name.clone(), path[i..end].join("/"));
                i = end;
            }
        }
    }
    (i == path.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// The fake refuses what GitHub would: a request body and an answer that break the
    /// description (the answers the fake builds are checked like the requests it receives).
    #[test]
    fn invalid_bodies_and_answers_are_reported() {
        let Some(desc) = super::super::server::description() else {
            return;
        };
        let mut answer = desc.example("pulls/get", "200").expect("GitHub's example");
        // GitHub's own example lists a team without the `type` its schema requires.
        answer["requested_teams"] = json!([]);
        assert_eq!(
            desc.check_response("pulls/get", 200, &answer),
            Vec::<String>::new()
        );
        answer["state"] = json!(7);
        answer.as_object_mut().unwrap().remove("number");
        let problems = desc.check_response("pulls/get", 200, &answer);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("/state: 7 is not of type")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"number\" is a required property")),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 3, "type, enum, required: {problems:?}");

        let (op, params) = desc
            .find("POST", &super::template_segments("/repos/o/r/check-runs"))
            .expect("checks/create");
        let body = json!({"name": "x", "head_sha": "abc", "status": "done", "extra": 1});
        let problems = op.validate(
            &params,
            &[],
            Some("application/json"),
            body.to_string().as_bytes(),
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("/status: \"done\" is not one of")),
            "{problems:?}"
        );
    }
}
