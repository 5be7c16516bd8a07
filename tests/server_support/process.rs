//! The real `secarch serve` binary as a child process on 127.0.0.1, configured by environment
//! variables only (so the same test also runs against a binary that does not know a setting:
//! it is ignored there), against the fake GitHub; and a raw HTTP/1.1 client that can misbehave
//! (stall in the headers, stall in the body, send a body nobody signed).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::fake_github::FakeGitHub;

pub const SECRET: &str = "webhook-secret-for-tests";

/// How long any single step of these tests may take before it counts as "no answer". Generous:
/// the machine is shared, and a server that does not answer at all fails either way.
pub const NO_ANSWER: Duration = Duration::from_secs(10);

/// A running `secarch serve`; killed on drop.
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
    pub fake: FakeGitHub,
    _cache: tempfile::TempDir,
    pub log: PathBuf,
}

impl Served {
    /// Start the binary with `env` on top of a complete configuration; with `nofile`, under
    /// that open-file limit (`ulimit -n`). It listens on a port the kernel picks (read back from
    /// its start-up log line). Waits until `/healthz` answers.
    pub async fn start(env: &[(&str, &str)], nofile: Option<u32>) -> Served {
        let fake = FakeGitHub::start().await;
        let cache = tempfile::tempdir().expect("temp dir");
        let log = cache.path().join("serve.log");
        let bin = env!("CARGO_BIN_EXE_secarch");
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" serve"))
                    .arg(bin);
                c
            }
            None => {
                let mut c = Command::new(bin);
                c.arg("serve");
                c
            }
        };
        let key = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/support/TEST-ONLY-github-app-private-key.pem");
        cmd.env("SECARCH_APP_ID", fake.app_id().to_string())
            .env("SECARCH_PRIVATE_KEY_PATH", key)
            .env("SECARCH_WEBHOOK_SECRET", SECRET)
            .env("SECARCH_GITHUB_API_URL", fake.url())
            .env("SECARCH_LISTEN", "127.0.0.1:0")
            .env("SECARCH_CACHE_DIR", cache.path().join("mirrors"))
            .env("SECARCH_RECONCILE_INTERVAL", "0")
            .env("SECARCH_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(&log).expect("log file")))
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&log)
                    .expect("log file"),
            ));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("secarch serve starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            if let Some(addr) = listening_on(&std::fs::read_to_string(&log).unwrap_or_default()) {
                break addr;
            }
            if Instant::now() > deadline || matches!(child.try_wait(), Ok(Some(_))) {
                let _ = child.kill();
                panic!(
                    "secarch serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let served = Served {
            child,
            addr,
            fake,
            _cache: cache,
            log,
        };
        loop {
            if let Ok((200, _)) = served.get("/healthz").await {
                return served;
            }
            assert!(
                Instant::now() < deadline,
                "secarch serve did not come up: {}",
                served.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Exit status, when the process has ended within `bound`.
    pub fn wait_exit(&mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + bound;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory of the server in KiB (Linux `/proc`).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// `GET path` on a new connection: status and body, or why there was none within
    /// [`NO_ANSWER`].
    pub async fn get(&self, path: &str) -> Result<(u16, String), String> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: secarch\r\nConnection: close\r\n\r\n");
        exchange(self.addr, request.as_bytes()).await
    }

    /// A signed `ping` delivery (with `pad` bytes of padding in the JSON) on a new connection.
    pub async fn signed_ping(&self, pad: usize) -> Result<(u16, String), String> {
        let body = format!(
            "{{\"zen\":\"Keep it logically awesome.\",\"pad\":\"{}\"}}",
            "x".repeat(pad)
        );
        let signature = secarch::server::sign(SECRET, body.as_bytes());
        let mut request = delivery_head("ping", Some(&signature), body.len()).into_bytes();
        request.extend_from_slice(body.as_bytes());
        exchange(self.addr, &request).await
    }

    /// A metric's value from `/metrics` (first sample whose line starts with `name`).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        let (_, text) = self.get("/metrics").await.ok()?;
        text.lines()
            .find(|l| l.starts_with(name) && !l.starts_with('#'))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in the `secarch serve started` log line (JSON), once it is there.
fn listening_on(log: &str) -> Option<SocketAddr> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["fields"]["message"] == "secarch serve started")?["fields"]["listen"]
        .as_str()?
        .parse()
        .ok()
}

/// The head of a `POST /webhook` with `signature` (none when `None`) and `length`, as a new
/// delivery (its own `X-GitHub-Delivery`: the server ignores a GUID it already acted on).
pub fn delivery_head(event: &str, signature: Option<&str>, length: usize) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut head = format!(
        "POST /webhook HTTP/1.1\r\nHost: secarch\r\nContent-Type: application/json\r\nX-GitHub-Event: {event}\r\nX-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-{n:012x}\r\nConnection: close\r\nContent-Length: {length}\r\n"
    );
    if let Some(s) = signature {
        head.push_str(&format!("X-Hub-Signature-256: {s}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Send `request` on a new connection and read the answer until the server closes it.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Result<(u16, String), String> {
    let mut s = tokio::time::timeout(NO_ANSWER, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    s.write_all(request)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let text = read_until_closed(&mut s, NO_ANSWER).await?;
    parse_response(&text)
}

/// Everything the server sends until it closes the connection (EOF or reset), or `Err` when it
/// is still open after `bound`.
pub async fn read_until_closed(s: &mut TcpStream, bound: Duration) -> Result<String, String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + bound;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => {
                return Err(format!(
                    "still open after {bound:?} (got {:?})",
                    String::from_utf8_lossy(&got)
                ));
            }
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Status code and body of an HTTP/1.1 response.
pub fn parse_response(text: &str) -> Result<(u16, String), String> {
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3)?.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {text:?}"))?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_string()))
}

/// A connection that sent part of a request head and then nothing.
pub async fn slowloris(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"POST /webhook HTTP/1.1\r\nHost: secarch\r\nX-GitHub-Event: pi")
        .await?;
    Ok(s)
}
