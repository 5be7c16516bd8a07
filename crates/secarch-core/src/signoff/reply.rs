//! The words secarch answers with on the pull request: one short reply per rejected or unknown
//! command (why, and what would work), and the `/secarch help` text (the commands, who may sign
//! off, what is missing). Kept in the core so the App and the Action say the same thing.

use std::fmt::Write;

use super::command::{MAX_BODY_BYTES, MAX_COMMANDS, MIN_SHA_PREFIX, Overflow};
use super::tally::{Answer, SignoffRecord};
use crate::policy::SignoffConfig;

/// The reply to one command by `login`; `None` when the answer is a reaction (accepted).
pub fn answer_text(
    answer: &Answer,
    login: &str,
    config: &SignoffConfig,
    record: &SignoffRecord,
) -> Option<String> {
    Some(match answer {
        Answer::Accepted => return None,
        Answer::Rejected(reason) => format!(
            "@{login} this sign-off does not count: {reason}.\n\nWho can sign off: {}. `/secarch help` lists the commands.",
            who(record)
        ),
        Answer::Unknown { problem } => format!("@{login} {problem}.\n\n{}", commands(config)),
        Answer::Help => help_text(config, record),
        Answer::Overflow(Overflow::BodyTooLong) => format!(
            "@{login} this comment is longer than {MAX_BODY_BYTES} bytes, so secarch did not read commands from it; post the command in a short comment of its own."
        ),
        Answer::Overflow(Overflow::TooManyCommands) => format!(
            "@{login} secarch read the first {MAX_COMMANDS} commands of this comment and ignored the rest; one command per comment is enough."
        ),
    })
}

/// The answer to `/secarch help`.
pub fn help_text(config: &SignoffConfig, record: &SignoffRecord) -> String {
    let mut out = commands(config);
    let _ = write!(
        out,
        "\n**Who can sign off:** {}. Never the author of the pull request, an author, committer or co-author of its commits, or a bot.\n",
        who(record)
    );
    let _ = write!(
        out,
        "\n**Now:** {} of {} required sign-off(s) bound to the content at `{}`.",
        record.valid.len(),
        record.required,
        short(&record.head)
    );
    if record.missing() > 0 {
        let _ = write!(out, " Still needed: {}.", record.missing());
    }
    for b in &record.blockers {
        let _ = write!(
            out,
            "\n- @{} requested changes; it blocks until they approve or revoke, or the review is dismissed.",
            b.login
        );
    }
    for s in &record.stale {
        let _ = write!(out, "\n- @{}: {}.", s.signoff.login, s.reason());
    }
    out.push('\n');
    out
}

/// The command list (one per line, what each does).
fn commands(config: &SignoffConfig) -> String {
    let mut out = String::from(
        "**secarch commands** — one per line, at the start of the line, not in code or a quote:\n\
         - `/secarch approve` — sign off the content at the pull request's head\n",
    );
    let _ = writeln!(
        out,
        "- `/secarch approve <sha>` — sign off the content of that commit of this pull request (at least {MIN_SHA_PREFIX} characters of the SHA)"
    );
    let _ = writeln!(
        out,
        "- `/secarch approve no-change: <rationale>` — reviewed; the document needs no update (a rationale of at least {} characters)",
        config.no_change_rationale_min
    );
    out.push_str(
        "- `/secarch revoke` — withdraw your sign-off or your request for changes\n\
         - `/secarch recheck` — evaluate again now\n\
         - `/secarch help` — this text\n",
    );
    if config.accept_reviews {
        out.push_str("An approving pull-request review signs off the commit it was made on.\n");
    }
    out.push_str(
        "A sign-off stays valid while the reviewed content (watched files, threat models, the document outside its review log) is unchanged; edited comments do not count.\n",
    );
    out
}

fn who(record: &SignoffRecord) -> String {
    if record.eligible.is_empty() {
        "nobody yet (name reviewers under `signoff.reviewers` in .github/secarch.yml)".to_string()
    } else {
        record.eligible.join(", ")
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}
