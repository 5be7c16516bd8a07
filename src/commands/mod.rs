//! Command implementations behind the CLI. Each returns the process exit code
//! and writes its own output; errors are printed as `error: …` with what to do.

mod check;
mod init;
mod lint;
mod policy_show;
mod schema;
mod serve;

pub use check::{CheckArgs, OutputFormat, check};
pub use init::{INIT_FILES, init};
pub use lint::{LintArgs, LintFormat, lint};
pub use policy_show::{config_show, config_validate};
pub use schema::{DOCUMENT_SCHEMA, policy_schema, schema};
pub use serve::serve;

/// Exit code: usage, configuration or repository error.
pub const EXIT_ERROR: u8 = 2;

/// Print an error for people and return the error exit code.
pub(crate) fn fail(message: impl std::fmt::Display) -> u8 {
    let mut err = anstream::stderr();
    let style = anstyle::AnsiColor::Red.on_default().bold();
    let _ = std::io::Write::write_fmt(&mut err, format_args!("{style}error{style:#}: {message}\n"));
    EXIT_ERROR
}
