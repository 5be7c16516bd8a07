//! Content signals: what a change to a watched file *does*, computed from the base
//! and head blobs. Each analyser compares base against head and reports what is new
//! at head (and protections removed), never everything present.
//!
//! Structured formats are parsed (YAML, JSON and TOML into [`crate::syntax::Node`],
//! XML through quick-xml); the few formats without a parser in our dependency set
//! are read with small tokenizers whose reasons are given in their modules.
//! A file that does not parse, or is over a limit, gives no signals: the readers
//! below say `None` and malformed input never panics.

mod android;
mod compose;
mod dockerfile;
mod fhir;
mod iac;
mod k8s;
mod kconfig;
pub mod manifests;
mod nginx;
mod openapi;
mod proto;
mod runtime;

use super::Signal;
use crate::position::Pos;
use crate::syntax::{Node, json, toml, yaml};

/// A one-document YAML file (an empty one is null).
fn read_yaml(text: &str) -> Option<Node> {
    let doc = yaml::Reader::default().document(text).ok()?;
    Some(doc.unwrap_or_else(|| Node::null(Pos::UNKNOWN)))
}

/// A multi-document YAML stream (Kubernetes manifests).
fn read_yaml_documents(text: &str) -> Option<Vec<Node>> {
    yaml::Reader::default().documents(text).ok()
}

/// A JSON file; JSON that only YAML accepts (a trailing comma) is read as YAML.
fn read_json(text: &str) -> Option<Node> {
    json::parse(text).ok().or_else(|| read_yaml(text))
}

fn read_toml(text: &str) -> Option<Node> {
    toml::parse(text).ok()
}

/// Most signals reported for one file.
pub const MAX_SIGNALS: usize = 50;

/// Which analyser reads a (category, path) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analyser {
    Dockerfile,
    Compose,
    Kubernetes,
    OpenApi,
    Proto,
    AndroidManifest,
    FhirCapability,
    Kconfig,
    RuntimeConfig,
    Iac,
    Nginx,
    Manifest(manifests::Manifest),
}

impl Analyser {
    /// The analyser for `path` in `category`, if that category has one for this
    /// kind of file. Categories without analysers (auth-crypto, update-path,
    /// threat-model, architecture-model, policy, custom ones) trigger on the path alone.
    pub fn for_path(category: &str, path: &str) -> Option<Analyser> {
        let base = basename(path).to_ascii_lowercase();
        let ext = extension(&base);
        let yaml = matches!(ext, "yml" | "yaml");
        match category {
            "container" if is_dockerfile(&base) => Some(Analyser::Dockerfile),
            "container" if yaml && is_compose(&base) => Some(Analyser::Compose),
            "container" | "network" if yaml => Some(Analyser::Kubernetes),
            "network" if is_nginx(path, &base, ext) => Some(Analyser::Nginx),
            "api" if ext == "proto" => Some(Analyser::Proto),
            // Any YAML/JSON contract: the analyser reads only OpenAPI/Swagger
            // documents (`openapi`/`swagger`/`paths` keys), whatever the file is called.
            "api" if yaml || ext == "json" => Some(Analyser::OpenApi),
            "device-interface" if base == "androidmanifest.xml" => Some(Analyser::AndroidManifest),
            "device-interface" if base == "prj.conf" => Some(Analyser::Kconfig),
            "device-interface" if ext == "json" && base.contains("capabilitystatement") => {
                Some(Analyser::FhirCapability)
            }
            "runtime-config" => Some(Analyser::RuntimeConfig),
            "iac" => Some(Analyser::Iac),
            "dependencies" => manifests::Manifest::for_path(path).map(Analyser::Manifest),
            _ => None,
        }
    }

    /// Informative signals of a non-dependency analyser (`Manifest` is handled by
    /// [`manifests::added`], which decides whether there is a trigger at all).
    pub fn signals(self, path: &str, base: Option<&str>, head: &str) -> Vec<Signal> {
        let mut out = match self {
            Analyser::Dockerfile => dockerfile::signals(base, head),
            Analyser::Compose => compose::signals(base, head),
            Analyser::Kubernetes => k8s::signals(base, head),
            Analyser::OpenApi => openapi::signals(path, base, head),
            Analyser::Proto => proto::signals(base, head),
            Analyser::AndroidManifest => android::signals(base, head),
            Analyser::FhirCapability => fhir::signals(base, head),
            Analyser::Kconfig => kconfig::signals(base, head),
            Analyser::RuntimeConfig => runtime::signals(path, base, head),
            Analyser::Iac => iac::signals(base, head),
            Analyser::Nginx => nginx::signals(base, head),
            Analyser::Manifest(_) => Vec::new(),
        };
        // One fact once, even when a file states it twice.
        let mut seen = std::collections::HashSet::new();
        out.retain(|s| seen.insert((s.kind.clone(), s.message.clone(), s.line)));
        // A new 300-operation API description or a generated 5,000-service compose
        // file would drown the report: keep the first facts and say how many more.
        if out.len() > MAX_SIGNALS {
            let more = out.len() - (MAX_SIGNALS - 1);
            out.truncate(MAX_SIGNALS - 1);
            out.push(signal(
                "more-signals",
                format!("… and {more} more new facts in this file"),
                None,
            ));
        }
        out
    }
}

pub(crate) fn signal(kind: &str, message: impl Into<String>, line: Option<u32>) -> Signal {
    Signal {
        kind: kind.to_string(),
        message: message.into(),
        line: line.filter(|&l| l > 0),
    }
}

pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Lower-case extension of a lower-cased basename ("" when none).
fn extension(base: &str) -> &str {
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    }
}

fn is_dockerfile(base: &str) -> bool {
    base == "dockerfile"
        || base == "containerfile"
        || base.starts_with("dockerfile.")
        || base.starts_with("containerfile.")
        || base.ends_with(".dockerfile")
        || base.ends_with(".containerfile")
}

fn is_compose(base: &str) -> bool {
    base.starts_with("docker-compose") || base.starts_with("compose")
}

/// nginx configuration: `nginx*.conf`, or a config-looking file under an `nginx/`
/// directory (`conf.d/default.conf`, `sites-available/app`, `*.conf.template` for
/// envsubst) — not the Dockerfile or YAML that also lives there.
fn is_nginx(path: &str, base: &str, ext: &str) -> bool {
    let in_nginx_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|c| c.eq_ignore_ascii_case("nginx"));
    let config_like = matches!(ext, "conf" | "template" | "") && !is_dockerfile(base);
    (base.starts_with("nginx") && ext == "conf") || (in_nginx_dir && config_like)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_capped_per_file() {
        let head: String = (0..200).map(|i| format!("EXPOSE {}\n", 1000 + i)).collect();
        let s = Analyser::Dockerfile.signals("Dockerfile", None, &head);
        assert_eq!(s.len(), MAX_SIGNALS);
        assert_eq!(
            s[MAX_SIGNALS - 1].message,
            "… and 151 more new facts in this file"
        );
    }

    #[test]
    fn analysers_by_category_and_name() {
        let a = |c, p| Analyser::for_path(c, p);
        assert_eq!(
            a("container", "deploy/dockerfile"),
            Some(Analyser::Dockerfile)
        );
        assert_eq!(
            a("container", "Dockerfile.prod"),
            Some(Analyser::Dockerfile)
        );
        assert_eq!(
            a("container", "docker-compose.override.yml"),
            Some(Analyser::Compose)
        );
        assert_eq!(
            a("container", "k8s/deploy.yaml"),
            Some(Analyser::Kubernetes)
        );
        assert_eq!(a("container", "k8s/README.md"), None);
        assert_eq!(a("network", "k8s/ingress.yaml"), Some(Analyser::Kubernetes));
        assert_eq!(
            a("network", "nginx/conf.d/default.conf"),
            Some(Analyser::Nginx)
        );
        assert_eq!(a("network", "nginx/Dockerfile"), None);
        assert_eq!(a("network", "deploy/nginx.conf"), Some(Analyser::Nginx));
        assert_eq!(a("api", "lib/api3/swagger.yaml"), Some(Analyser::OpenApi));
        assert_eq!(a("api", "src/swagger_doc.json"), Some(Analyser::OpenApi));
        assert_eq!(a("api", "proto/x.proto"), Some(Analyser::Proto));
        assert_eq!(
            a("api", "contracts/patients-api.yaml"),
            Some(Analyser::OpenApi)
        );
        assert_eq!(a("api", "schema.graphql"), None);
        assert_eq!(
            a("device-interface", "app/src/main/AndroidManifest.xml"),
            Some(Analyser::AndroidManifest)
        );
        assert_eq!(a("device-interface", "prj.conf"), Some(Analyser::Kconfig));
        assert_eq!(
            a("dependencies", "Cargo.toml"),
            Some(Analyser::Manifest(manifests::Manifest::Cargo))
        );
        assert_eq!(a("dependencies", "deps.lock"), None);
        assert_eq!(a("auth-crypto", "src/auth/jwt.rs"), None);
        assert_eq!(a("threat-model", "threat-model.yaml"), None);
    }
}
