//! A tiny smart-HTTP git server for the mirror tests: `git http-backend` (the
//! real server side of git) as a CGI behind a one-request-per-connection HTTP
//! listener on 127.0.0.1, requiring Basic authentication like GitHub does
//! (401 first, then `x-access-token:<token>`). It records every request so
//! tests can assert the token never travelled in a URL. [`CannedServer`]
//! answers every request with one fixed response (redirects, errors).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
}

pub struct GitHttpServer {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl GitHttpServer {
    /// Serve the repositories under `project_root` to clients that present
    /// `x-access-token:<token>`.
    pub fn start(project_root: PathBuf, token: &str) -> GitHttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let expected = format!(
            "Basic {}",
            base64(format!("x-access-token:{token}").as_bytes())
        );
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, expected, log) =
                    (project_root.clone(), expected.clone(), Arc::clone(&log));
                std::thread::spawn(move || {
                    let _ = handle(stream, &root, &expected, &log);
                });
            }
        });
        GitHttpServer { port, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

/// Serves one fixed response to every request.
pub struct CannedServer {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl CannedServer {
    /// `response`: the whole HTTP response (status line, headers, body).
    pub fn start(response: String) -> CannedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, response) = (Arc::clone(&log), response.clone());
                std::thread::spawn(move || {
                    let Ok((request, _, _)) = read_request(&stream) else {
                        return;
                    };
                    log.lock().expect("log").push(request);
                    let _ = (&stream).write_all(response.as_bytes());
                });
            }
        });
        CannedServer { port, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

type Headers = Vec<(String, String)>;

/// A request: what is recorded of it, its body, and all its headers.
fn read_request(stream: &TcpStream) -> std::io::Result<(Seen, Vec<u8>, Headers)> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = read_body(
        &mut reader,
        header("content-length"),
        header("transfer-encoding"),
    )?;
    let seen = Seen {
        method,
        target,
        authorization: header("authorization"),
        user_agent: header("user-agent"),
    };
    Ok((seen, body, headers))
}

fn handle(
    stream: TcpStream,
    root: &PathBuf,
    expected: &str,
    log: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let (seen, body, headers) = read_request(&stream)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (method, target, authorization) = (
        seen.method.clone(),
        seen.target.clone(),
        seen.authorization.clone(),
    );
    log.lock().expect("log").push(seen);
    let mut out = stream;
    if authorization.as_deref() != Some(expected) {
        return out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut child = Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    child.stdin.take().expect("stdin").write_all(&body)?;
    let output = child.wait_with_output()?;
    let cgi = output.stdout;
    let split = find(&cgi, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(&cgi, b"\n\n").map(|i| (i, 2)))
        .unwrap_or((cgi.len(), 0));
    let (head, body) = (&cgi[..split.0], &cgi[split.0 + split.1..]);
    let mut status = "200 OK".to_string();
    let mut response = Vec::new();
    for h in String::from_utf8_lossy(head).lines() {
        match h.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some(_) => response.extend_from_slice(format!("{h}\r\n").as_bytes()),
            None => {}
        }
    }
    let mut all = format!("HTTP/1.1 {status}\r\n").into_bytes();
    all.extend_from_slice(&response);
    all.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    all.extend_from_slice(body);
    out.write_all(&all)
}

fn read_body(
    reader: &mut impl BufRead,
    length: Option<String>,
    encoding: Option<String>,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if encoding.is_some_and(|e| e.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    if let Some(n) = length.and_then(|l| l.parse::<usize>().ok()) {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(body)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
