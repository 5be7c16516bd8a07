//! Every reader of YAML or JSON that a pull request can feed refuses alias
//! ("byte") bombs without allocating gigabytes: the front matter, threat models,
//! the files read for content signals and the policy.
//!
//! A dedicated test binary because it installs a counting global allocator: each
//! test measures the peak of live heap bytes while one reader runs and asserts a
//! bound. The allocator also refuses any allocation past [`HARD_CAP`], so a reader
//! that tries to expand a bomb aborts this process (a failed test) instead of
//! eating the machine's memory. Tests take a lock so peaks are not mixed up when
//! they run on threads of one process (`cargo test`); nextest runs each alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use secarch::classify::{BlobReader, Classifier};
use secarch::git::{ChangeKind, ChangeSet, EntryKind, FileChange, Side};
use secarch::model::{FrontMatterStatus, parse_document};
use secarch::policy::{ThreatModelFormat, ThreatModelRef, parse_policy, validate_policy_text};
use secarch::source::MemorySource;

/// No reader may hold more than this at once for a ≤ 2.1 MB input (a real parse of
/// such an input needs tens of MiB; an expanded bomb needs gigabytes).
const PEAK_BOUND: usize = 256 * 1024 * 1024;
/// Allocations beyond this many live bytes fail (the process aborts).
const HARD_CAP: usize = 1536 * 1024 * 1024;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !reserve(new_size - old) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
            }
        } else if new_size < old {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        p
    }
}

/// Count `n` more live bytes; `false` (nothing counted) past the hard cap.
fn reserve(n: usize) -> bool {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    if now > HARD_CAP {
        LIVE.fetch_sub(n, Ordering::Relaxed);
        return false;
    }
    PEAK.fetch_max(now, Ordering::Relaxed);
    true
}

#[global_allocator]
static ALLOC: Counting = Counting;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` and return its result with the peak of live bytes above the start.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(start))
}

const MIB: usize = 1024 * 1024;

/// The bombs, as YAML mapping entries (`key: value` lines at the top level).
/// Each stays under 2 MiB of text (the analysis limit of content signals) but
/// expands to gigabytes.
fn bombs() -> Vec<(&'static str, String)> {
    // Defeats serde-saphyr's alias/anchor ratio heuristic (aliases > 10 × anchors).
    let decoys: String = (0..400).map(|i| format!("x-d{i}: &d{i} {i}\n")).collect();
    let aliases = |name: &str, n: usize| vec![format!("*{name}"); n].join(", ");
    let big = "a".repeat(2_000_000);
    vec![
        (
            "2 MB anchored string x 3,000 aliases",
            format!(
                "x-pad: &big \"{big}\"\nx-list: [{}]\n",
                aliases("big", 3000)
            ),
        ),
        (
            "the same, plain scalar, with decoy anchors",
            format!(
                "{decoys}x-pad: &big {big}\nx-list: [{}]\n",
                aliases("big", 3000)
            ),
        ),
        (
            "anchored list of anchored strings",
            format!(
                "{decoys}x-s: &s \"{}\"\nx-l: &l [{}]\nx-list: [{}]\n",
                "b".repeat(64 * 1024),
                aliases("s", 32),
                aliases("l", 3000)
            ),
        ),
        (
            "anchored mapping of aliases, nested twice",
            format!(
                "{decoys}x-s: &s \"{}\"\nx-m: &m {{a: *s, b: *s, c: *s, d: *s}}\nx-n: &n [{}]\nx-list: [{}]\n",
                "c".repeat(256 * 1024),
                aliases("m", 64),
                aliases("n", 300)
            ),
        ),
        (
            "node bomb: 20,000-item list x 3,000 aliases",
            format!(
                "{decoys}x-s: &s [{}]\nx-list: [{}]\n",
                vec!["0"; 20_000].join(","),
                aliases("s", 3000)
            ),
        ),
        (
            "merge-key bomb: 10,000-key mapping merged 3,000 times",
            format!(
                "{decoys}x-m: &m {{{}}}\nx-list: [{}]\n",
                (0..10_000)
                    .map(|i| format!("k{i}: 0"))
                    .collect::<Vec<_>>()
                    .join(", "),
                vec!["{<<: *m}"; 3000].join(", ")
            ),
        ),
    ]
}

/// The bombs with each also as a JSON-looking file (YAML flow syntax: the JSON
/// readers of content signals go through the YAML parser for line numbers).
fn bombs_and_json() -> Vec<(&'static str, String, String)> {
    bombs()
        .into_iter()
        .map(|(name, yaml)| {
            let entries: Vec<String> = yaml
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            let json = format!("{{{}}}\n", entries.join(",\n"));
            (name, yaml, json)
        })
        .collect()
}

fn check_bound(reader: &str, bomb: &str, peak: usize) {
    assert!(
        peak < PEAK_BOUND,
        "{reader} on {bomb}: peak {} MiB of live heap (bound {} MiB)",
        peak / MIB,
        PEAK_BOUND / MIB
    );
}

#[test]
fn front_matter_refuses_alias_bombs_as_sa002() {
    let _guard = serial();
    for (name, bomb) in bombs() {
        let text = format!("---\nschema: secarch/v1\n{bomb}---\n# Security architecture\n");
        let (parsed, peak) = peak_of(|| parse_document("doc.md", &text));
        check_bound("front matter", name, peak);
        assert_eq!(
            parsed.document.front_matter,
            FrontMatterStatus::Unreadable,
            "{name}"
        );
        let d = parsed
            .diagnostics
            .iter()
            .find(|d| d.rule == "SA002" && d.message.contains("limit"))
            .unwrap_or_else(|| panic!("{name}: no SA002 naming a limit: {:?}", parsed.diagnostics));
        assert!(d.message.contains("alias"), "{name}: {}", d.message);
    }
}

#[test]
fn threat_models_refuse_alias_bombs() {
    let _guard = serial();
    for (i, (name, bomb, json)) in bombs_and_json().into_iter().enumerate() {
        let mut files = vec![("tm.yaml", format!("{bomb}threats: []\n"))];
        // A file without an extension that starts with `{` is read as JSON and,
        // when that fails, as YAML: the bomb reaches the YAML reader that
        // way too (the same reader: once is enough).
        if i == 0 {
            files.push(("tm", json));
        }
        for (path, text) in files {
            let src = MemorySource::default().with(path, text.clone());
            let reference = ThreatModelRef {
                format: ThreatModelFormat::Native,
                path: path.to_string(),
                namespace: None,
            };
            let (result, peak) = peak_of(|| secarch::threats::load(&reference, &src));
            check_bound(&format!("threat model {path}"), name, peak);
            let err = result.expect_err(name);
            if path == "tm.yaml" {
                assert!(err.to_string().contains("safety limit"), "{name}: {err}");
            }
        }
    }
}

struct Blobs(Vec<(String, String)>);

impl BlobReader for Blobs {
    fn blob(&self, id: &str) -> Result<Vec<u8>, String> {
        self.0
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, t)| t.clone().into_bytes())
            .ok_or_else(|| format!("no blob {id}"))
    }
}

#[test]
fn content_signal_readers_refuse_alias_bombs() {
    let _guard = serial();
    let policy = parse_policy(None).expect("default policy");
    let classifier = Classifier::new(&policy, None).expect("classifier");
    for (name, bomb, json) in bombs_and_json() {
        // One path per parse function: compose (single-document YAML),
        // Kubernetes (multi-document YAML), package.json (JSON, which OpenAPI,
        // FHIR and appsettings files go through too).
        let files = [
            ("docker-compose.yml", format!("{bomb}services: {{}}\n")),
            ("k8s/deploy.yaml", format!("kind: Deployment\n{bomb}")),
            ("package.json", json),
        ];
        for (path, text) in files {
            assert!(
                !classifier.categories_for(path).is_empty(),
                "{path} is not watched by the default policy"
            );
            let changes = ChangeSet {
                base: "b".repeat(40),
                head: "c".repeat(40),
                changes: vec![FileChange {
                    kind: ChangeKind::Added,
                    old: None,
                    new: Some(Side {
                        path: path.to_string(),
                        id: "1".repeat(40),
                        kind: EntryKind::File,
                    }),
                }],
            };
            let blobs = Blobs(vec![("1".repeat(40), text)]);
            let (triggers, peak) = peak_of(|| classifier.classify(&changes, &blobs));
            check_bound(&format!("content signals of {path}"), name, peak);
            // The path still triggers (the change needs review either way), and
            // the file was parsed, not skipped for its size.
            assert!(!triggers.is_empty(), "{name} {path}");
            let signals = format!("{:?}", triggers[0].signals);
            assert!(
                !signals.contains("not-analysed"),
                "{name} {path}: {signals}"
            );
            assert!(!signals.contains("MiB is over"), "{name} {path}: {signals}");
        }
    }
}

#[test]
fn policy_refuses_alias_bombs() {
    let _guard = serial();
    // A policy is at most 256 KiB, so the bomb is smaller: 100 KiB × 40,000.
    let decoys: String = (0..2000)
        .map(|i| format!("  - &d{i} \"d{i}/**\"\n"))
        .collect();
    let bomb = format!(
        "watch:\n  exclude:\n{decoys}  - &b \"{}\"\n  include:\n    container: [{}]\n",
        "e".repeat(100 * 1024),
        vec!["*b"; 30_000].join(",")
    );
    assert!(bomb.len() < 256 * 1024, "{}", bomb.len());
    let (result, peak) = peak_of(|| validate_policy_text(".github/secarch.yml", &bomb));
    check_bound("policy", "100 KiB x 30,000", peak);
    let err = result.expect_err("refused");
    assert!(err.to_string().contains("limit"), "{err}");
}
