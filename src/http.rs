//! What secarch's two HTTP clients (the GitHub API client in `github/` and
//! the mirror's git transport in `mirror/`) say about themselves and about
//! their errors, written once.

use std::error::Error as StdError;

/// The `User-Agent` of every request secarch sends.
pub(crate) const USER_AGENT: &str = concat!("secarch/", env!("CARGO_PKG_VERSION"));

/// `e` and its sources, each once: reqwest's top level alone says "error
/// sending request", and reqwest and hyper repeat each other's text.
pub(crate) fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = source.source();
    }
    out
}
