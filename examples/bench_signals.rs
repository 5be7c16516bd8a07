//! Content-signal benchmark for big files: how the time to classify one changed
//! file grows with the number of keys (or entries) in it, for every kind of file
//! read for content signals. Linear readers take ~4× as long for 4× the keys;
//! quadratic ones ~16×.
//!
//! Run: `scripts/bench-big-mappings.sh` (release build), or
//! `cargo run --release --example bench_signals -- [keys...] [--runs N] [--only NAME]`
//! (default keys 17500 70000, 3 runs; the minimum wall time is reported).
//!
//! Each case is a modification: the base has `keys` entries, the head the same
//! plus one that yields a signal (a watchlisted dependency, a new operation, ...),
//! so both sides are read, as in a real pull request. Inputs over the 2 MiB
//! analysis limit are not analysed; those rows say so instead of a time.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use secarch::classify::{BlobReader, Classifier, MAX_ANALYSED_BYTES};
use secarch::git::{ChangeKind, ChangeSet, EntryKind, FileChange, Side};
use secarch::policy::parse_policy;

/// One generated case: the file's path, and its text for `n` entries (`extra`
/// adds the entry that makes the head differ).
struct Case {
    name: &'static str,
    path: &'static str,
    text: fn(n: usize, extra: bool) -> String,
}

fn join(parts: impl Iterator<Item = String>, sep: &str) -> String {
    parts.collect::<Vec<_>>().join(sep)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "package.json dependencies",
            path: "package.json",
            text: |n, extra| {
                let mut deps = join(
                    (0..n).map(|i| format!("\"dep{i}\": \"^1.0.{i}\"")),
                    ",\n    ",
                );
                if extra {
                    deps.push_str(",\n    \"express\": \"^4\"");
                }
                format!("{{\n  \"name\": \"app\",\n  \"dependencies\": {{\n    {deps}\n  }}\n}}\n")
            },
        },
        Case {
            name: "Kubernetes ConfigMap (YAML)",
            path: "k8s/config.yaml",
            text: |n, extra| {
                let mut s = String::from(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n",
                );
                for i in 0..n {
                    let _ = writeln!(s, "  key{i}: value{i}");
                }
                if extra {
                    s.push_str(
                        "---\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer}\n",
                    );
                }
                s
            },
        },
        Case {
            name: "Helm values.yaml",
            path: "chart/values.yaml",
            text: |n, extra| {
                let mut s = String::from("settings:\n");
                for i in 0..n {
                    let _ = writeln!(s, "  key{i}: {i}");
                }
                if extra {
                    s.push_str("hostNetwork: true\n");
                }
                s
            },
        },
        Case {
            name: "OpenAPI JSON paths",
            path: "api/openapi.json",
            text: |n, extra| {
                let count = if extra { n + 1 } else { n };
                let paths = join(
                    (0..count).map(|i| format!("\"/r{i}\": {{\"get\": {{\"responses\": {{}}}}}}")),
                    ",\n    ",
                );
                format!("{{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {{\n    {paths}\n  }}\n}}\n")
            },
        },
        Case {
            name: "OpenAPI YAML paths",
            path: "api/openapi.yaml",
            text: |n, extra| {
                let mut s = String::from("openapi: 3.0.3\npaths:\n");
                for i in 0..(if extra { n + 1 } else { n }) {
                    let _ = writeln!(s, "  /r{i}:\n    get: {{responses: {{}}}}");
                }
                s
            },
        },
        Case {
            name: "compose services",
            path: "docker-compose.yml",
            text: |n, extra| {
                let mut s = String::from("services:\n");
                for i in 0..(if extra { n + 1 } else { n }) {
                    let _ = writeln!(s, "  s{i}: {{image: app:{i}}}");
                }
                s
            },
        },
        Case {
            name: "appsettings.json keys",
            path: "src/appsettings.json",
            text: |n, extra| {
                let mut keys = join((0..n).map(|i| format!("\"Key{i}\": \"v{i}\"")), ",\n  ");
                if extra {
                    keys.push_str(",\n  \"Url\": \"http://0.0.0.0:80\"");
                }
                format!("{{\n  {keys}\n}}\n")
            },
        },
        Case {
            name: "FHIR CapabilityStatement resources",
            path: "fhir/CapabilityStatement.json",
            text: |n, extra| {
                let count = if extra { n + 1 } else { n };
                let res = join(
                    (0..count).map(|i| {
                        format!("{{\"type\": \"R{i}\", \"interaction\": [{{\"code\": \"read\"}}]}}")
                    }),
                    ",\n  ",
                );
                format!(
                    "{{\"resourceType\": \"CapabilityStatement\", \"rest\": [{{\"mode\": \"server\", \"resource\": [\n  {res}]}}]}}\n"
                )
            },
        },
        Case {
            name: "Cargo.toml dependencies",
            path: "Cargo.toml",
            text: |n, extra| {
                let mut s = String::from("[package]\nname = \"x\"\n\n[dependencies]\n");
                for i in 0..n {
                    let _ = writeln!(s, "dep{i} = \"1\"");
                }
                if extra {
                    s.push_str("axum = \"0.8\"\n");
                }
                s
            },
        },
        Case {
            name: "pyproject.toml dependencies",
            path: "pyproject.toml",
            text: |n, extra| {
                let mut deps = join((0..n).map(|i| format!("\"dep{i}>=1\"")), ",\n  ");
                if extra {
                    deps.push_str(",\n  \"flask>=3\"");
                }
                format!("[project]\nname = \"x\"\ndependencies = [\n  {deps}\n]\n")
            },
        },
        Case {
            name: "pom.xml dependencies",
            path: "pom.xml",
            text: |n, extra| {
                let mut s = String::from("<project><dependencies>\n");
                for i in 0..n {
                    let _ = writeln!(
                        s,
                        "<dependency><groupId>g{i}</groupId><artifactId>a</artifactId></dependency>"
                    );
                }
                if extra {
                    s.push_str("<dependency><groupId>io.netty</groupId><artifactId>netty-all</artifactId></dependency>\n");
                }
                s.push_str("</dependencies></project>\n");
                s
            },
        },
        Case {
            name: "pom.xml nesting depth (dependency at the bottom)",
            path: "nested/pom.xml",
            text: |n, extra| {
                // n levels deep, n/4 dependencies at the bottom.
                let added = if extra {
                    "<dependency><groupId>io.netty</groupId><artifactId>x</artifactId></dependency>"
                } else {
                    ""
                };
                format!(
                    "<project>{}<dependencies>{}{added}</dependencies>{}</project>\n",
                    "<a>".repeat(n),
                    "<dependency><groupId>g</groupId><artifactId>x</artifactId></dependency>"
                        .repeat(n / 4),
                    "</a>".repeat(n)
                )
            },
        },
        Case {
            name: "csproj PackageReferences",
            path: "src/App.csproj",
            text: |n, extra| {
                let mut s = String::from("<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup>\n");
                for i in 0..n {
                    let _ = writeln!(s, "<PackageReference Include=\"P{i}\" Version=\"1\" />");
                }
                if extra {
                    s.push_str("<PackageReference Include=\"MQTTnet\" Version=\"4\" />\n");
                }
                s.push_str("</ItemGroup></Project>\n");
                s
            },
        },
        Case {
            name: "csproj attributes on one element",
            path: "attrs/App.csproj",
            text: |n, extra| {
                let attrs = join((0..n).map(|i| format!("a{i}=\"v\"")), " ");
                let include = if extra { "MQTTnet" } else { "X" };
                format!(
                    "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><PackageReference {attrs} Include=\"{include}\" /></ItemGroup></Project>\n"
                )
            },
        },
        Case {
            name: "AndroidManifest permissions",
            path: "app/src/main/AndroidManifest.xml",
            text: |n, extra| {
                let mut s = String::from(
                    "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n",
                );
                for i in 0..(if extra { n + 1 } else { n }) {
                    let _ = writeln!(s, "<uses-permission android:name=\"p.P{i}\" />");
                }
                s.push_str("</manifest>\n");
                s
            },
        },
        Case {
            name: "requirements.txt",
            path: "requirements.txt",
            text: |n, extra| {
                let mut s: String = (0..n).map(|i| format!("dep{i}>=1\n")).collect();
                if extra {
                    s.push_str("flask>=3\n");
                }
                s
            },
        },
        Case {
            name: "go.mod require",
            path: "go.mod",
            text: |n, extra| {
                let mut s = String::from("module x\n\nrequire (\n");
                for i in 0..n {
                    let _ = writeln!(s, "\texample.com/m{i} v1.0.0");
                }
                if extra {
                    s.push_str("\tgithub.com/gorilla/mux v1.8.0\n");
                }
                s.push_str(")\n");
                s
            },
        },
    ]
}

struct Blobs(Vec<(String, Vec<u8>)>);

impl BlobReader for Blobs {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| format!("no blob {id}"))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes: Vec<usize> = Vec::new();
    let mut runs = 3;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).unwrap_or(runs),
            "--only" => only = it.next().cloned(),
            n => sizes.extend(n.parse::<usize>().ok()),
        }
    }
    if sizes.is_empty() {
        sizes = vec![17_500, 70_000];
    }
    let policy = parse_policy(None).expect("default policy");
    let classifier = Classifier::new(&policy, None).expect("classifier");

    print!("| file | ");
    for n in &sizes {
        print!("{n} keys s | ");
    }
    println!("ratio last/first | signals |");
    println!("|---|{}---|---|", "---|".repeat(sizes.len()));
    for case in cases() {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        assert!(
            !classifier.categories_for(case.path).is_empty(),
            "{} is not watched",
            case.path
        );
        let mut times = Vec::new();
        let mut signals = String::new();
        for &n in &sizes {
            let base = (case.text)(n, false);
            let head = (case.text)(n, true);
            if head.len() > MAX_ANALYSED_BYTES {
                times.push(None);
                continue;
            }
            let changes = ChangeSet {
                base: "b".repeat(40),
                head: "c".repeat(40),
                changes: vec![FileChange {
                    kind: ChangeKind::Modified,
                    old: Some(side(case.path, '1')),
                    new: Some(side(case.path, '2')),
                }],
            };
            let blobs = Blobs(vec![
                ("1".repeat(40), base.into_bytes()),
                ("2".repeat(40), head.into_bytes()),
            ]);
            let mut best = Duration::MAX;
            for _ in 0..runs {
                let start = Instant::now();
                let triggers = classifier.classify(&changes, &blobs);
                best = best.min(start.elapsed());
                signals = triggers
                    .iter()
                    .flat_map(|t| &t.signals)
                    .map(|s| s.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            times.push(Some(best.as_secs_f64()));
        }
        print!("| {} | ", case.name);
        for t in &times {
            match t {
                Some(t) => print!("{t:.3} | "),
                None => print!("over 2 MiB | "),
            }
        }
        match (
            times.first().copied().flatten(),
            times.last().copied().flatten(),
        ) {
            (Some(a), Some(b)) if a > 0.0 && times.len() > 1 => print!("{:.1} | ", b / a),
            _ => print!("– | "),
        }
        println!("{signals} |");
    }
}

fn side(path: &str, id: char) -> Side {
    Side {
        path: path.to_string(),
        id: id.to_string().repeat(40),
        kind: EntryKind::File,
    }
}
