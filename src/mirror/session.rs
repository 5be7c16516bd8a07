//! The per-fetch HTTP session behind the smart-HTTP transport (`transport.rs`):
//! what one fetch allows (the clone URL's origin, the installation token, the
//! deadline, the proxy rule), the HTTP client, and the failure it reports.
//!
//! Why a thread-local: libgit2 creates the transport from a process-wide
//! registration and gives it nothing but a URL, so per-fetch state cannot be
//! passed as an argument. libgit2 calls the transport on the thread that runs
//! `Remote::fetch`, so `fetch.rs` installs the session for exactly that call
//! with [`enter`] (an RAII guard) and the transport picks it up with
//! [`current`]. A transport asked to connect without a session refuses: no
//! HTTP request leaves secarch's git layer except inside a mirror fetch.
//!
//! - The token goes as HTTP Basic `x-access-token:<token>`, only after the
//!   server asked for credentials (401/403), and only to the clone URL's own
//!   scheme, host and port ([`RemoteUrl::same_origin`], checked for every
//!   request). A second 401/403 means the token was refused.
//! - Redirects are never followed: a 3xx is an error naming the status.
//! - `https` remotes use the environment's proxies (`https_proxy`,
//!   `no_proxy`, …); loopback `http` remotes never use a proxy.
//! - Each request's time-out, including connecting, is the time left until
//!   the fetch's deadline.
//! - What the server sends in one fetch is bounded by the mirror cache's size
//!   bound: a response that would not fit in the cache anyway is cut off
//!   instead of filling the disk first.
//!
//! The client is a `reqwest::blocking` client, created on the first request
//! and dropped with the session, both on the fetching thread: a blocking
//! client must not be created or dropped on an async runtime thread, and the
//! mirror cache is only used from `spawn_blocking` or plain threads.

use std::cell::RefCell;
use std::error::Error as StdError;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::CONTENT_TYPE;

use crate::http_client::{USER_AGENT, error_chain};

use super::url::{RemoteKind, RemoteUrl};

/// The user name GitHub expects with an installation token.
pub(crate) const TOKEN_USER: &str = "x-access-token";

/// Why the transport failed. Messages never contain the token (it is only
/// ever put in an `Authorization` header); `fetch.rs` redacts them anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The fetch's deadline passed.
    TimedOut,
    /// The server answered 401/403 to a request that carried the token.
    Refused(String),
    /// The server's TLS certificate was not accepted.
    Certificate(String),
    /// What will fail the same way if tried again: more data than the fetch
    /// may receive, a redirect, a 4xx answer, a server that does not speak
    /// git's smart HTTP. Not retried: the check run says what to change.
    Permanent(String),
    /// Anything else: the network, a 5xx answer, a dropped connection.
    Other(String),
}

impl Failure {
    pub(crate) fn message(&self) -> &str {
        match self {
            Failure::TimedOut => "the fetch timed out",
            Failure::Refused(m)
            | Failure::Certificate(m)
            | Failure::Permanent(m)
            | Failure::Other(m) => m,
        }
    }
}

/// One fetch's HTTP state. Shared (`Arc`) between the thread-local and the
/// streams libgit2 holds; all of them live on the fetching thread.
pub(crate) struct Session {
    remote: RemoteUrl,
    token: Option<String>,
    deadline: Instant,
    /// Most bytes the server may send in this fetch, and what it sent so far.
    max_bytes: u64,
    received: AtomicU64,
    client: OnceLock<Result<Client, String>>,
    /// Whether requests carry the token: set once the server asked for it.
    send_token: AtomicBool,
    /// The first failure, for `fetch.rs` to report (libgit2 keeps only a
    /// message).
    failure: Mutex<Option<Failure>>,
}

impl Session {
    pub(crate) fn new(
        remote: &RemoteUrl,
        token: Option<&str>,
        deadline: Instant,
        max_bytes: u64,
    ) -> Session {
        Session {
            remote: remote.clone(),
            token: token.filter(|t| !t.is_empty()).map(str::to_string),
            deadline,
            max_bytes,
            received: AtomicU64::new(0),
            client: OnceLock::new(),
            send_token: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// The failure recorded by the transport, if any.
    pub(crate) fn failure(&self) -> Option<Failure> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Record `failure` (the first one wins) and hand it back.
    pub(crate) fn fail(&self, failure: Failure) -> Failure {
        let mut slot = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(|| failure.clone());
        failure
    }

    /// Count `n` bytes received; a failure once the fetch is over its bound.
    pub(crate) fn receive(&self, n: usize) -> Result<(), Failure> {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        let total = self
            .received
            .fetch_add(n, Ordering::Relaxed)
            .saturating_add(n);
        if total <= self.max_bytes {
            return Ok(());
        }
        const MIB: u64 = 1024 * 1024;
        let bound = match self.max_bytes {
            b if b >= MIB => format!("{} MiB", b / MIB),
            b => format!("{b} bytes"),
        };
        Err(Failure::Permanent(format!(
            "the server sent more than {bound} for one fetch, the mirror cache's size bound; \
             raise --cache-max-mb (SECARCH_CACHE_MAX_MB) if the repository really is that large"
        )))
    }

    /// Time left until the deadline; `None` once it has passed.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        Some(self.deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// Whether this session may talk to `url`: the clone URL's own origin.
    pub(crate) fn allows(&self, url: &str) -> bool {
        self.remote.same_origin(url)
    }

    fn client(&self) -> Result<&Client, Failure> {
        let built = self.client.get_or_init(|| {
            // `send` checked that the deadline has not passed.
            let limit = self.remaining().unwrap_or(Duration::from_millis(1));
            let builder = Client::builder()
                .user_agent(USER_AGENT)
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .connect_timeout(limit)
                .timeout(limit);
            let builder = match self.remote.kind {
                RemoteKind::Https => builder.https_only(true),
                RemoteKind::LoopbackHttp | RemoteKind::File => builder.no_proxy(),
            };
            builder
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))
        });
        built.as_ref().map_err(|m| Failure::Other(m.clone()))
    }

    /// Send the request `build` makes (again after a 401/403, with the
    /// token), check the status and the `Content-Type`, and return the
    /// response to stream. `what` names the request in errors.
    pub(crate) fn send(
        &self,
        url: &str,
        what: &str,
        content_type: &str,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, Failure> {
        if !self.allows(url) {
            return Err(Failure::Permanent(format!(
                "{what}: refusing to connect to another address than the clone URL's"
            )));
        }
        self.remaining().ok_or(Failure::TimedOut)?;
        let client = self.client()?;
        loop {
            let remaining = self.remaining().ok_or(Failure::TimedOut)?;
            let with_token = self.send_token.load(Ordering::Relaxed);
            let mut request = build(client).timeout(remaining);
            if with_token && let Some(token) = &self.token {
                request = request.basic_auth(TOKEN_USER, Some(token));
            }
            let response = request.send().map_err(|e| self.request_error(&e))?;
            let status = response.status();
            if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                if with_token {
                    return Err(Failure::Refused(format!("{what}: HTTP {status}")));
                }
                if self.token.is_none() {
                    return Err(Failure::Permanent(format!(
                        "{what}: HTTP {status}: the server asks for credentials and no installation token was given"
                    )));
                }
                self.send_token.store(true, Ordering::Relaxed);
                continue;
            }
            if status.is_redirection() {
                return Err(Failure::Permanent(format!(
                    "{what}: the server answered HTTP {status}, a redirect; redirects are not followed \
                     (the token must not travel elsewhere): use the repository's clone URL as GitHub gives it"
                )));
            }
            if !status.is_success() {
                let hint = if status == StatusCode::NOT_FOUND {
                    " (does the repository exist, and is the App installed on it?)"
                } else {
                    ""
                };
                let message = format!("{what}: the server answered HTTP {status}{hint}");
                // 5xx, 408 and 429 may pass; another 4xx answers the same way next time.
                let passing = status.is_server_error()
                    || matches!(
                        status,
                        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
                    );
                return Err(if passing {
                    Failure::Other(message)
                } else {
                    Failure::Permanent(message)
                });
            }
            let got = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !media_type_is(got, content_type) {
                return Err(Failure::Permanent(format!(
                    "{what}: expected Content-Type {content_type}, got {:?}; is this a git smart-HTTP server?",
                    got.chars().take(100).collect::<String>()
                )));
            }
            return Ok(response);
        }
    }

    fn request_error(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() || self.remaining().is_none() {
            return Failure::TimedOut;
        }
        let message = error_chain(e);
        if is_certificate_error(e) {
            Failure::Certificate(message)
        } else {
            Failure::Other(message)
        }
    }

    /// The failure for an error while reading a response body.
    pub(crate) fn read_error(&self, what: &str, e: &std::io::Error) -> Failure {
        let timed_out = e.kind() == std::io::ErrorKind::TimedOut
            || e.get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_timeout);
        if timed_out || self.remaining().is_none() {
            return Failure::TimedOut;
        }
        Failure::Other(format!("{what}: {}", error_chain(e)))
    }
}

/// Whether the `Content-Type` value `value` is the media type `expected`
/// (parameters ignored, case-insensitive).
fn media_type_is(value: &str, expected: &str) -> bool {
    let media = value.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case(expected)
}

/// Whether rustls refused the server's certificate somewhere in `e`'s
/// chain. rustls errors reach us wrapped in `io::Error`s, whose `source()`
/// skips the wrapped error, so those are unwrapped by hand.
pub(crate) fn is_certificate_error(e: &(dyn StdError + 'static)) -> bool {
    let refused = |e: &(dyn StdError + 'static)| {
        matches!(
            e.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        )
    };
    let mut next = Some(e);
    while let Some(current) = next {
        let wrapped = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .map(|inner| inner as &(dyn StdError + 'static));
        if refused(current) || wrapped.is_some_and(is_certificate_error) {
            return true;
        }
        next = current.source();
    }
    false
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Session>>> = const { RefCell::new(None) };
}

/// While alive, `session` is the current thread's session (see the module
/// documentation). Not `Send`: it must be dropped on the thread it set.
pub(crate) struct Entered {
    previous: Option<Arc<Session>>,
    _not_send: PhantomData<*const ()>,
}

pub(crate) fn enter(session: Arc<Session>) -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(session));
    Entered {
        previous,
        _not_send: PhantomData,
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current thread's session, if a fetch is running on it.
pub(crate) fn current() -> Option<Arc<Session>> {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_ignore_parameters_and_case() {
        let t = "application/x-git-upload-pack-advertisement";
        assert!(media_type_is(t, t));
        assert!(media_type_is(
            "Application/X-Git-Upload-Pack-Advertisement; charset=utf-8",
            t
        ));
        assert!(!media_type_is("text/html", t));
        assert!(!media_type_is("", t));
    }

    #[test]
    fn refused_certificates_are_recognised_inside_io_errors() {
        let refused = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, refused);
        assert!(is_certificate_error(&io));
        assert!(error_chain(&io).contains("invalid peer certificate"));
        let other =
            std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(!is_certificate_error(&other));
        let refused_plain = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!is_certificate_error(&refused_plain));
    }

    #[test]
    fn the_guard_scopes_the_session_to_its_thread() {
        let remote = super::super::url::check_url("https://github.com/o/r.git", false, None)
            .expect("valid URL");
        let session = Arc::new(Session::new(&remote, Some("t"), Instant::now(), 1 << 20));
        assert!(current().is_none());
        {
            let _entered = enter(Arc::clone(&session));
            assert!(current().is_some_and(|s| Arc::ptr_eq(&s, &session)));
            let elsewhere = std::thread::spawn(|| current().is_none()).join();
            assert!(
                elsewhere.is_ok_and(|none| none),
                "other threads see no session"
            );
        }
        assert!(current().is_none());
        assert!(session.remaining().is_none(), "a passed deadline");
        assert_eq!(session.fail(Failure::TimedOut), Failure::TimedOut);
        session.fail(Failure::Other("later".into()));
        assert_eq!(session.failure(), Some(Failure::TimedOut), "the first wins");
    }
}
