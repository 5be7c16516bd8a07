//! secarch's own smart-HTTP transport for libgit2, on reqwest/rustls.
//!
//! git2 is built without its `https` feature: with it, libgit2 links the
//! system OpenSSL and loads the whole CA bundle when it initialises, which
//! every `secarch check` run paid for (22 % of a CLI run that never touches
//! the network, BENCHMARKS.md). Instead, this module registers a smart
//! subtransport for `http://` and `https://` that speaks the stateless
//! smart-HTTP protocol through the per-fetch [`Session`] (`session.rs`),
//! which holds the token, the origin, the deadline and the proxy rule.
//!
//! Fetch only (upload-pack, protocol v0/v1):
//! - `UploadPackLs`: `GET <url>/info/refs?service=git-upload-pack`, which
//!   must answer `application/x-git-upload-pack-advertisement`; libgit2 reads
//!   the advertisement (and strips the `# service=` line itself).
//! - `UploadPack`: libgit2 writes its request (wants, haves); the first read
//!   `POST`s it to `<url>/git-upload-pack` and streams the result.
//! - Push (receive-pack) is refused.
//!
//! `file://` remotes keep libgit2's local transport.

use std::io::{self, Read, Write};
use std::sync::{Arc, OnceLock};

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};
use git2::{ErrorClass, ErrorCode};
use reqwest::blocking::Response;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::session::{self, Failure, Session};

const ADVERTISEMENT: &str = "application/x-git-upload-pack-advertisement";
const REQUEST: &str = "application/x-git-upload-pack-request";
const RESULT: &str = "application/x-git-upload-pack-result";

/// Register the transport for `http://` and `https://`, once per process.
/// Call it before the first fetch (`MirrorCache::new` does); later calls
/// return the first call's outcome.
pub(crate) fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for scheme in ["http", "https"] {
                let factory =
                    |remote: &git2::Remote<'_>| Transport::smart(remote, true, HttpSubtransport);
                // SAFETY: `git_transport_register` appends to libgit2's global
                // list of custom transports without a lock, and libgit2 reads
                // that list whenever a remote connects. This runs once per
                // process (`OnceLock`: concurrent callers wait for it), from
                // `MirrorCache::new` before that cache can fetch. Every fetch
                // in secarch goes through a `MirrorCache` (nothing else in the
                // crate creates a remote), so no transport is being created
                // while the list is written, and it is never written again.
                unsafe { git2::transport::register(scheme, factory) }.map_err(|e| {
                    format!(
                        "cannot register the {scheme}:// git transport: {}",
                        e.message()
                    )
                })?;
            }
            Ok(())
        })
        .clone()
}

/// The subtransport libgit2 creates for each `http(s)://` remote. Stateless:
/// the fetch's state is the thread's [`Session`].
struct HttpSubtransport;

impl SmartSubtransport for HttpSubtransport {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let Some(session) = session::current() else {
            return Err(git2::Error::from_str(
                "HTTP git remotes are only fetched by the mirror cache (no fetch session on this thread)",
            ));
        };
        let base = url.trim_end_matches('/');
        match action {
            Service::UploadPackLs => {
                let url = format!("{base}/info/refs?service=git-upload-pack");
                let what = format!("the ref advertisement of {base}");
                let response = session
                    .send(&url, &what, ADVERTISEMENT, |client| client.get(&url))
                    .map_err(|f| to_git_error(&session, f))?;
                Ok(Box::new(Download {
                    session,
                    what,
                    response,
                }))
            }
            Service::UploadPack => Ok(Box::new(UploadPack {
                session,
                url: format!("{base}/git-upload-pack"),
                request: Vec::new(),
                response: None,
            })),
            Service::ReceivePackLs | Service::ReceivePack => Err(to_git_error(
                &session,
                Failure::Permanent(
                    "pushing is not supported: the mirror cache only fetches (upload-pack)"
                        .to_string(),
                ),
            )),
        }
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// Record `failure` in the session and turn it into the error libgit2 passes
/// on (its code matters little: `fetch.rs` reports the recorded failure).
fn to_git_error(session: &Session, failure: Failure) -> git2::Error {
    let failure = session.fail(failure);
    let code = match failure {
        Failure::TimedOut => ErrorCode::Timeout,
        Failure::Refused(_) => ErrorCode::Auth,
        Failure::Certificate(_) => ErrorCode::Certificate,
        Failure::Permanent(_) | Failure::Other(_) => ErrorCode::GenericError,
    };
    git2::Error::new(code, ErrorClass::Http, failure.message())
}

fn to_io_error(session: &Session, failure: Failure) -> io::Error {
    let failure = session.fail(failure);
    match failure {
        Failure::TimedOut => io::Error::new(io::ErrorKind::TimedOut, failure.message()),
        _ => io::Error::other(failure.message().to_string()),
    }
}

/// A response libgit2 reads as it arrives (the ref advertisement, or an
/// upload-pack result).
struct Download {
    session: Arc<Session>,
    what: String,
    response: Response,
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.session.remaining().is_none() {
            return Err(to_io_error(&self.session, Failure::TimedOut));
        }
        let n = self.response.read(buf).map_err(|e| {
            let failure = self.session.read_error(&self.what, &e);
            to_io_error(&self.session, failure)
        })?;
        self.session
            .receive(n)
            .map_err(|f| to_io_error(&self.session, f))?;
        Ok(n)
    }
}

impl Write for Download {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::other(
            "the git transport cannot send data on a download",
        ))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One stateless upload-pack round: what libgit2 writes is buffered and sent
/// as one `POST` when it starts reading the answer.
struct UploadPack {
    session: Arc<Session>,
    url: String,
    request: Vec<u8>,
    response: Option<Download>,
}

impl UploadPack {
    fn post(&self) -> io::Result<Download> {
        let what = format!("the upload-pack request to {}", self.url);
        let response = self
            .session
            .send(&self.url, &what, RESULT, |client| {
                client
                    .post(&self.url)
                    .header(CONTENT_TYPE, REQUEST)
                    .header(ACCEPT, RESULT)
                    .body(self.request.clone())
            })
            .map_err(|f| to_io_error(&self.session, f))?;
        Ok(Download {
            session: Arc::clone(&self.session),
            what,
            response,
        })
    }
}

impl Read for UploadPack {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.response.is_none() {
            self.response = Some(self.post()?);
        }
        match &mut self.response {
            Some(download) => download.read(buf),
            None => Ok(0),
        }
    }
}

impl Write for UploadPack {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.response.is_some() {
            return Err(io::Error::other(
                "the git transport cannot send more data once the answer is being read",
            ));
        }
        self.request.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "smart_http_tests.rs"]
mod tests;
