//! Kubernetes manifests and Helm charts (multi-document YAML): host namespaces,
//! privileged containers, root users, new container/host ports, Services of type
//! LoadBalancer/NodePort, new Ingress/Route hosts — and removed protections
//! (`runAsNonRoot`, NetworkPolicies).
//!
//! The tree is walked generically rather than through typed Pod specs so the same
//! facts are found in Deployments, CronJobs, bare Pods, operators' CRs and Helm
//! `values.yaml` alike. A fact is identified by (document `Kind/name`, fact, detail)
//! — not by position — so reordering containers or documents is quiet.

use std::collections::BTreeSet;

use super::read_yaml_documents;
use super::signal;
use crate::classify::Signal;
use crate::syntax::{Node, Value};

#[derive(Debug, Clone)]
struct Fact {
    doc: String,
    kind: &'static str,
    detail: String,
    line: u32,
}

impl Fact {
    fn key(&self) -> (&str, &str, &str) {
        (&self.doc, self.kind, &self.detail)
    }
}

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let Some(head_docs) = parse(head) else {
        return Vec::new();
    };
    let base_docs = base.and_then(parse).unwrap_or_default();
    let head_facts = facts(&head_docs);
    let base_facts = facts(&base_docs);
    let base_keys: BTreeSet<_> = base_facts.iter().map(Fact::key).collect();
    let head_keys: BTreeSet<_> = head_facts.iter().map(Fact::key).collect();
    let mut out = Vec::new();
    for f in head_facts.iter().filter(|f| !base_keys.contains(&f.key())) {
        if let Some(message) = describe_new(f) {
            out.push(signal(f.kind, message, Some(f.line)));
        }
    }
    for f in base_facts.iter().filter(|f| !head_keys.contains(&f.key())) {
        let removed = match f.kind {
            "run-as-non-root" if f.detail.is_empty() => {
                format!("{}runAsNonRoot: true removed", prefix(&f.doc))
            }
            "run-as-non-root" => {
                format!("{}{} runAsNonRoot: true removed", prefix(&f.doc), f.detail)
            }
            "network-policy" => format!("{} removed", f.doc),
            _ => continue,
        };
        out.push(signal(
            &format!("{}-removed", f.kind),
            removed,
            Some(f.line),
        ));
    }
    out
}

fn prefix(doc: &str) -> String {
    if doc.is_empty() {
        String::new()
    } else {
        format!("{doc}: ")
    }
}

fn describe_new(f: &Fact) -> Option<String> {
    let p = prefix(&f.doc);
    let owner = |what: &str| {
        if f.detail.is_empty() {
            format!("{p}{what}")
        } else {
            format!("{p}{} {what}", f.detail)
        }
    };
    Some(match f.kind {
        "host-network" => format!("{p}hostNetwork: true"),
        "host-pid" => format!("{p}hostPID: true"),
        "host-ipc" => format!("{p}hostIPC: true"),
        "privileged" => owner("privileged: true"),
        "privilege-escalation" => owner("allowPrivilegeEscalation: true"),
        "run-as-root" => owner("runAsUser: 0"),
        "container-port" => format!("{p}new containerPort {}", f.detail),
        "host-port" => format!("{p}new hostPort {}", f.detail),
        "service-exposed" => format!("{p}Service type {}", f.detail),
        "ingress-host" => format!("{p}new host {}", f.detail),
        _ => return None,
    })
}

fn parse(text: &str) -> Option<Vec<Node>> {
    if text.contains("{{") {
        read_yaml_documents(&untemplate(text))
    } else {
        read_yaml_documents(text)
    }
}

/// Make a Helm template parse as YAML, keeping line numbers: lines that are only a
/// template action (`{{- if .Values.x }}`, `{{ include ... | nindent 4 }}`) become
/// blank, inline actions become the placeholder `tpl`. Base and head get the same
/// treatment, so comparisons stay fair.
fn untemplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("{{") && t.ends_with("}}") {
            out.push('\n');
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            match rest[start..].find("}}") {
                Some(end) => {
                    out.push_str("tpl");
                    rest = &rest[start + end + 2..];
                }
                None => {
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

struct Ctx<'a> {
    doc: &'a str,
    kind: &'a str,
    owner: &'a str,
    parent: &'a str,
    ingress: bool,
}

fn facts(docs: &[Node]) -> Vec<Fact> {
    let mut out = Vec::new();
    for d in docs {
        let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
        let name = d
            .path(&["metadata", "name"])
            .and_then(Node::scalar)
            .unwrap_or_default();
        let doc = match (kind, name) {
            ("", "") => String::new(),
            (k, "") => k.to_string(),
            (k, n) => format!("{k}/{n}"),
        };
        if kind == "NetworkPolicy" {
            out.push(Fact {
                doc: doc.clone(),
                kind: "network-policy",
                detail: String::new(),
                line: d.pos.line,
            });
        }
        let ctx = Ctx {
            doc: &doc,
            kind,
            owner: "",
            parent: "",
            ingress: kind == "Ingress",
        };
        walk(d, &ctx, &mut out);
    }
    out
}

fn walk(node: &Node, ctx: &Ctx<'_>, out: &mut Vec<Fact>) {
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|i| walk(i, ctx, out)),
        Value::Map(_) => {
            let owner = node.get("name").and_then(Node::as_str).unwrap_or(ctx.owner);
            for (key, entry) in node.entries() {
                let value = &entry.value;
                let mut fact = |kind: &'static str, detail: &str| {
                    out.push(Fact {
                        doc: ctx.doc.to_string(),
                        kind,
                        detail: detail.to_string(),
                        line: entry.key.line,
                    })
                };
                let scalar = value.scalar();
                match key {
                    "hostNetwork" if value.is_true() => fact("host-network", ""),
                    "hostPID" if value.is_true() => fact("host-pid", ""),
                    "hostIPC" if value.is_true() => fact("host-ipc", ""),
                    "privileged" if value.is_true() => fact("privileged", owner),
                    "allowPrivilegeEscalation" if value.is_true() => {
                        fact("privilege-escalation", owner)
                    }
                    "runAsUser" if scalar == Some("0") => fact("run-as-root", owner),
                    "runAsNonRoot" if value.is_true() => fact("run-as-non-root", owner),
                    "containerPort" => {
                        if let Some(p) = scalar {
                            fact("container-port", p)
                        }
                    }
                    "hostPort" => {
                        if let Some(p) = scalar {
                            fact("host-port", p)
                        }
                    }
                    "type"
                        if ctx.kind == "Service"
                            || ctx.parent.to_ascii_lowercase().contains("service") =>
                    {
                        if let Some(t) =
                            scalar.filter(|t| matches!(*t, "LoadBalancer" | "NodePort"))
                        {
                            fact("service-exposed", t)
                        }
                    }
                    "host" if ctx.ingress => {
                        if let Some(h) = value.as_str().filter(|h| !h.is_empty()) {
                            fact("ingress-host", h)
                        }
                    }
                    "hostnames" if ctx.kind.ends_with("Route") => {
                        for h in value.items().iter().filter_map(Node::as_str) {
                            fact("ingress-host", h)
                        }
                    }
                    _ => {}
                }
                let child = Ctx {
                    doc: ctx.doc,
                    kind: ctx.kind,
                    owner,
                    parent: key,
                    ingress: ctx.ingress || key.to_ascii_lowercase().contains("ingress"),
                };
                walk(value, &child, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &[Signal]) -> Vec<(&str, &str, Option<u32>)> {
        s.iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect()
    }

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1
          ports:
            - containerPort: 8080
          securityContext:
            runAsNonRoot: true
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
";

    #[test]
    fn new_exposure_in_multi_document_manifest() {
        let head = DEPLOY
            .replace(
                "    spec:\n      containers:",
                "    spec:\n      hostNetwork: true\n      containers:",
            )
            .replace(
                "            - containerPort: 8080",
                "            - containerPort: 8080\n            - containerPort: 8443",
            )
            .replace(
                "            runAsNonRoot: true",
                "            privileged: true\n            runAsUser: 0",
            )
            .replace("type: ClusterIP", "type: LoadBalancer");
        assert_eq!(
            kinds(&signals(Some(DEPLOY), &head)),
            vec![
                ("host-network", "Deployment/web: hostNetwork: true", Some(8)),
                (
                    "container-port",
                    "Deployment/web: new containerPort 8443",
                    Some(14)
                ),
                (
                    "privileged",
                    "Deployment/web: app privileged: true",
                    Some(16)
                ),
                ("run-as-root", "Deployment/web: app runAsUser: 0", Some(17)),
                (
                    "service-exposed",
                    "Service/web: Service type LoadBalancer",
                    Some(24)
                ),
                (
                    "run-as-non-root-removed",
                    "Deployment/web: app runAsNonRoot: true removed",
                    Some(14)
                ),
            ]
        );
    }

    #[test]
    fn reordered_documents_are_quiet() {
        let (a, b) = DEPLOY.split_once("---\n").expect("two documents");
        let head = format!("{b}---\n{a}");
        assert!(signals(Some(DEPLOY), &head).is_empty());
    }

    #[test]
    fn ingress_hosts_and_removed_network_policy() {
        let base = "kind: NetworkPolicy\nmetadata: {name: deny-all}\nspec: {}\n---\nkind: Ingress\nmetadata: {name: api}\nspec:\n  rules:\n    - host: api.example.org\n";
        let head = "kind: Ingress\nmetadata: {name: api}\nspec:\n  rules:\n    - host: api.example.org\n    - host: admin.example.org\n";
        assert_eq!(
            kinds(&signals(Some(base), head)),
            vec![
                (
                    "ingress-host",
                    "Ingress/api: new host admin.example.org",
                    Some(6)
                ),
                (
                    "network-policy-removed",
                    "NetworkPolicy/deny-all removed",
                    Some(1)
                ),
            ]
        );
    }

    #[test]
    fn helm_templates_and_values() {
        let base = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"x.fullname\" . }}\nspec:\n  {{- if .Values.lb }}\n  type: ClusterIP\n  {{- end }}\n";
        let head = base.replace("type: ClusterIP", "type: NodePort");
        assert_eq!(
            kinds(&signals(Some(base), &head)),
            vec![(
                "service-exposed",
                "Service/tpl: Service type NodePort",
                Some(7)
            )]
        );
        let values = "service:\n  type: ClusterIP\ningress:\n  hosts:\n    - host: chart.local\n";
        let head = "service:\n  type: LoadBalancer\ningress:\n  hosts:\n    - host: chart.local\n    - host: x.example\n";
        assert_eq!(
            kinds(&signals(Some(values), head)),
            vec![
                ("service-exposed", "Service type LoadBalancer", Some(2)),
                ("ingress-host", "new host x.example", Some(6)),
            ]
        );
    }

    #[test]
    fn malformed_is_quiet() {
        assert!(signals(Some(DEPLOY), "kind: [\n").is_empty());
    }
}
