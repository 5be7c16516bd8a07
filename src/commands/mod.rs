//! Command implementations behind the CLI. Each returns the process exit code
//! and writes its own output; errors are printed as `error: …` with what to do.

mod check;
mod init;
mod lint;
mod log;
mod policy_show;
mod schema;
mod serve;

pub use check::{CheckArgs, OutputFormat, check};
pub use init::{INIT_FILES, init};
pub use lint::{LintArgs, LintFormat, lint};
pub use log::{LogArgs, LogFormat, log};
pub use policy_show::{config_show, config_validate};
pub use schema::{DOCUMENT_SCHEMA, policy_schema, schema};
pub use serve::serve;

/// Exit code: usage, configuration or repository error.
pub const EXIT_ERROR: u8 = 2;

/// Write a command's output and end with `code`. A reader that went away (`secarch config show |
/// head -1`) ends the output quietly, as with git and ripgrep; any other write error (a full disk,
/// a closed descriptor) is an error, because output the user asked for was lost.
pub fn emit(text: &str, code: u8) -> u8 {
    use std::io::Write as _;
    let mut out = anstream::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            drop(out);
            fail(format!("cannot write the output: {e}"))
        }
    }
}

/// Print an error for people and return the error exit code.
pub fn fail(message: impl std::fmt::Display) -> u8 {
    let mut err = anstream::stderr();
    let style = anstyle::AnsiColor::Red.on_default().bold();
    let _ = std::io::Write::write_fmt(&mut err, format_args!("{style}error{style:#}: {message}\n"));
    EXIT_ERROR
}
