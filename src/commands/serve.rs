//! `secarch serve`: the GitHub App server.

use super::fail;
use crate::server::{RawConfig, init_logging, run};

/// Resolve the configuration, start a Tokio runtime and serve until Ctrl-C or SIGTERM.
/// Returns 0 on a clean shutdown, 2 on a configuration or start-up error.
pub fn serve(raw: RawConfig) -> u8 {
    let config = match raw.resolve() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(run(config)) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}
