//! Compose files: new services and images, newly published ports, `privileged`,
//! host networking and PID namespace, added capabilities.

use std::collections::{BTreeSet, HashMap};

use super::read_yaml;
use super::signal;
use crate::classify::Signal;
use crate::syntax::{Entry, Node};

#[derive(Debug, Default)]
struct Service {
    line: u32,
    image: Option<(String, u32)>,
    /// Normalised published ports (`[host_ip:]published:target/proto`) with lines.
    ports: Vec<(String, u32)>,
    privileged: Option<u32>,
    host_network: Option<u32>,
    host_pid: Option<u32>,
    cap_add: Vec<(String, u32)>,
}

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let Some(head) = read_yaml(head).map(|n| services(&n)) else {
        return Vec::new();
    };
    let base = base
        .and_then(read_yaml)
        .map(|n| services(&n))
        .unwrap_or_default();
    // Base services by name: one lookup per head service, not a scan of the base
    // (quadratic for a generated file with thousands of services).
    let mut by_name: HashMap<&str, &Service> = HashMap::new();
    for (n, s) in &base {
        by_name.entry(n.as_str()).or_insert(s);
    }
    let mut out = Vec::new();
    for (name, h) in &head {
        let b = by_name.get(name.as_str()).copied();
        match (b, &h.image) {
            (None, image) => out.push(signal(
                "service-added",
                match image {
                    Some((i, _)) => format!("new service {name} (image {i})"),
                    None => format!("new service {name}"),
                },
                Some(h.line),
            )),
            (Some(b), Some((image, line))) if b.image.as_ref().map(|(i, _)| i) != Some(image) => {
                out.push(signal(
                    "image-added",
                    match &b.image {
                        Some((old, _)) => format!("service {name}: image {image} (was {old})"),
                        None => format!("service {name}: image {image}"),
                    },
                    Some(*line),
                ))
            }
            _ => {}
        }
        let empty = Service::default();
        let b = b.unwrap_or(&empty);
        let base_ports: BTreeSet<&str> = b.ports.iter().map(|(p, _)| p.as_str()).collect();
        for (port, line) in &h.ports {
            if !base_ports.contains(port.as_str()) {
                out.push(signal(
                    "port-published",
                    format!("service {name} publishes {port}"),
                    Some(*line),
                ));
            }
        }
        let flags = [
            (h.privileged, b.privileged, "privileged", "runs privileged"),
            (
                h.host_network,
                b.host_network,
                "host-network",
                "uses the host network (network_mode: host)",
            ),
            (
                h.host_pid,
                b.host_pid,
                "host-pid",
                "shares the host PID namespace (pid: host)",
            ),
        ];
        for (now, before, kind, what) in flags {
            if let (Some(line), None) = (now, before) {
                out.push(signal(kind, format!("service {name} {what}"), Some(line)));
            }
        }
        let base_caps: BTreeSet<&str> = b.cap_add.iter().map(|(c, _)| c.as_str()).collect();
        for (cap, line) in &h.cap_add {
            if !base_caps.contains(cap.as_str()) {
                out.push(signal(
                    "capability-added",
                    format!("service {name} adds capability {cap}"),
                    Some(*line),
                ));
            }
        }
    }
    out
}

fn services(root: &Node) -> Vec<(String, Service)> {
    let picked: Vec<(&str, &Entry)> = match root.get("services") {
        Some(services) => services
            .entries()
            .filter(|(_, s)| s.value.is_map())
            .collect(),
        // Compose v1 files have services at the top level.
        None => root
            .entries()
            .filter(|(_, s)| s.value.get("image").is_some() || s.value.get("build").is_some())
            .collect(),
    };
    picked
        .into_iter()
        .map(|(name, s)| (name.to_string(), service(&s.value, s.key.line)))
        .collect()
}

fn service(s: &Node, line: u32) -> Service {
    let flag = |key: &str, want: &dyn Fn(&Node) -> bool| {
        s.entry(key).filter(|e| want(&e.value)).map(|e| e.key.line)
    };
    Service {
        line,
        image: s
            .entry("image")
            .and_then(|e| e.value.scalar().map(|i| (i.to_string(), e.key.line))),
        ports: s
            .get("ports")
            .map(|p| p.items().iter().filter_map(port).collect())
            .unwrap_or_default(),
        privileged: flag("privileged", &Node::is_true),
        host_network: flag("network_mode", &|n| n.as_str() == Some("host")),
        host_pid: flag("pid", &|n| n.as_str() == Some("host")),
        cap_add: s
            .get("cap_add")
            .map(|c| {
                c.items()
                    .iter()
                    .filter_map(|n| n.scalar().map(|v| (v.to_ascii_uppercase(), n.pos.line)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Short (`"8080:80"`, `80`) or long (`{target, published, host_ip, protocol}`) syntax.
fn port(n: &Node) -> Option<(String, u32)> {
    let text = match n.mapping() {
        Some(_) => {
            let get = |k: &str| n.get(k).and_then(Node::scalar);
            let target = get("target")?;
            let mut s = String::new();
            if let Some(ip) = get("host_ip") {
                s.push_str(ip);
                s.push(':');
            }
            if let Some(p) = get("published") {
                s.push_str(p);
                s.push(':');
            }
            s.push_str(target);
            if let Some(proto) = get("protocol") {
                s.push('/');
                s.push_str(proto);
            }
            s
        }
        None => n.scalar()?.to_string(),
    };
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_suffix("/tcp").unwrap_or(&text).to_string();
    Some((text, n.pos.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "services:\n  web:\n    image: nginx:1.25\n    ports:\n      - \"8080:80\"\n  db:\n    image: mongo:7\n";

    fn kinds(s: &[Signal]) -> Vec<(&str, &str, Option<u32>)> {
        s.iter()
            .map(|s| (s.kind.as_str(), s.message.as_str(), s.line))
            .collect()
    }

    #[test]
    fn new_service_port_privileged_host_network() {
        let head = "services:\n  web:\n    image: nginx:1.25\n    ports:\n      - \"8080:80\"\n      - target: 443\n        published: 8443\n    privileged: true\n  db:\n    image: mongo:7\n    network_mode: host\n  kc:\n    image: quay.io/keycloak/keycloak:26\n    ports: [\"127.0.0.1:8081:8080\"]\n";
        assert_eq!(
            kinds(&signals(Some(BASE), head)),
            vec![
                ("port-published", "service web publishes 8443:443", Some(6)),
                ("privileged", "service web runs privileged", Some(8)),
                (
                    "host-network",
                    "service db uses the host network (network_mode: host)",
                    Some(11)
                ),
                (
                    "service-added",
                    "new service kc (image quay.io/keycloak/keycloak:26)",
                    Some(12)
                ),
                (
                    "port-published",
                    "service kc publishes 127.0.0.1:8081:8080",
                    Some(14)
                ),
            ]
        );
    }

    #[test]
    fn reorder_and_comments_are_quiet_image_change_is_reported() {
        let head = "# stack\nservices:\n  db:\n    image: mongo:7\n  web:\n    ports: [\"8080:80/tcp\"]\n    image: nginx:1.25\n";
        assert!(signals(Some(BASE), head).is_empty());
        let head = BASE.replace("nginx:1.25", "nginx:1.27");
        assert_eq!(
            kinds(&signals(Some(BASE), &head)),
            vec![(
                "image-added",
                "service web: image nginx:1.27 (was nginx:1.25)",
                Some(3)
            )]
        );
    }

    #[test]
    fn anchors_and_merge_keys_are_expanded() {
        let base = "x-svc: &svc\n  image: app:1\nservices:\n  a:\n    <<: *svc\n";
        let head = "x-svc: &svc\n  image: app:1\n  privileged: true\nservices:\n  a:\n    <<: *svc\n  b:\n    <<: *svc\n    ports: ['9000:9000']\n";
        let got: Vec<_> = signals(Some(base), head)
            .into_iter()
            .map(|s| (s.kind, s.message))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "privileged".to_string(),
                    "service a runs privileged".to_string()
                ),
                (
                    "service-added".to_string(),
                    "new service b (image app:1)".to_string()
                ),
                (
                    "port-published".to_string(),
                    "service b publishes 9000:9000".to_string()
                ),
                (
                    "privileged".to_string(),
                    "service b runs privileged".to_string()
                ),
            ]
        );
    }

    #[test]
    fn malformed_yaml_is_no_signal() {
        assert!(signals(Some(BASE), "services: [\n").is_empty());
        assert!(signals(None, "just a string").is_empty());
    }
}
