//! `/secarch …` commands in a pull-request comment.
//!
//! A command is a line whose first non-blank text is `/secarch` (any case) followed by a verb.
//! What GitHub *shows* as code, a quotation or a hidden comment is not a command: quoting a
//! reviewer's `/secarch approve` in a reply, or pasting the help text into a code block, must
//! never sign anything off. The Markdown structure comes from pulldown-cmark (CommonMark, the
//! base of GitHub's renderer), so fenced blocks (``` and ~~~ of any length, closed by a fence of
//! the same character at least as long), indented code, `>` quotes (lazy continuation lines
//! included), inline code spans and `<!-- -->` comments are recognised exactly as they render.
//!
//! One deliberate addition to CommonMark: outside a list item, a line indented by four columns
//! or more (a tab counts to the next multiple of four) is never a command. CommonMark makes such
//! a line indented code after a blank line but a paragraph continuation after text; someone who
//! indents a command that far meant to show it, not to run it. Inside a list item deeper
//! indentation is ordinary continuation text, and the parser's own code-block detection decides.
//!
//! Other HTML (`<details>` and the like) is shown by GitHub, so commands inside it count.
//!
//! Bounded: a body longer than [`MAX_BODY_BYTES`] is not read for commands (GitHub itself stops
//! at 65,536 characters), and at most [`MAX_COMMANDS`] commands of one comment are kept.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};

/// Longest comment body read for commands: GitHub's limit of 65,536 characters at up to four
/// UTF-8 bytes each.
pub const MAX_BODY_BYTES: usize = 4 * 65_536;

/// Most commands kept from one comment; one reviewer needs one or two.
pub const MAX_COMMANDS: usize = 10;

/// Longest `no-change` rationale kept (in characters); the length check sees the whole line.
pub const MAX_RATIONALE_CHARS: usize = 1_000;

/// Shortest commit prefix `/secarch approve <sha>` accepts: short enough to type, long enough
/// to be unambiguous among a pull request's commits.
pub const MIN_SHA_PREFIX: usize = 7;

/// One command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/secarch approve`, `/secarch approve <sha>`, `/secarch approve no-change: <rationale>`.
    Approve(Approval),
    /// `/secarch revoke`: withdraw my sign-off (and my request for changes).
    Revoke,
    /// `/secarch recheck`: evaluate again now.
    Recheck,
    /// `/secarch help`: reply with the commands, who may sign off and what is missing.
    Help,
    /// `/secarch <verb>` with a verb secarch does not know (empty when there was none): it gets
    /// a reply naming the commands, and the closest one when the verb looks like a typo.
    Unknown { verb: String },
    /// A known verb with an argument that cannot be right (`/secarch approve 3f2a9`: a commit
    /// prefix shorter than [`MIN_SHA_PREFIX`]); `problem` says what would work.
    Malformed { verb: String, problem: String },
}

/// What an approval binds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// The pull request's head when the comment is processed.
    Head,
    /// A commit of the pull request, given by a prefix of at least [`MIN_SHA_PREFIX`] hex
    /// digits (lower-cased).
    Commit(String),
    /// Reviewed; the document needs no update. The rationale is the rest of the line, trimmed
    /// (at most [`MAX_RATIONALE_CHARS`] kept); `chars` is its full length in characters.
    NoChange { rationale: String, chars: usize },
}

/// A command and the line (1-based) it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    pub line: usize,
    pub command: Command,
}

/// Why a comment's commands were not all read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// The body is longer than [`MAX_BODY_BYTES`]; no command was read.
    BodyTooLong,
    /// More than [`MAX_COMMANDS`] commands; the first ones were kept.
    TooManyCommands,
}

/// The commands of one comment, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedComment {
    pub commands: Vec<ParsedCommand>,
    pub overflow: Option<Overflow>,
}

/// The verbs, in the order the help text lists them.
pub const VERBS: [&str; 4] = ["approve", "revoke", "recheck", "help"];

const PREFIX: &str = "/secarch";

/// Read the commands of a comment body (Markdown as typed, LF, CRLF or CR line endings).
pub fn parse_comment(body: &str) -> ParsedComment {
    if body.len() > MAX_BODY_BYTES {
        return ParsedComment {
            commands: Vec::new(),
            overflow: contains_prefix(body).then_some(Overflow::BodyTooLong),
        };
    }
    if !contains_prefix(body) {
        return ParsedComment::default();
    }
    // One line ending: pulldown-cmark reads CRLF like LF but not a lone CR (it takes "```\r```"
    // for one line). Lines keep their numbers.
    let body = &body.replace("\r\n", "\n").replace('\r', "\n");
    let context = Context::of(body);
    let mut out = ParsedComment::default();
    for (number, start, line) in lines(body) {
        let (indent, rest) = split_indent(line);
        if !starts_with_prefix(rest) {
            continue;
        }
        let at = start + (line.len() - rest.len());
        if context.hidden(at) || (indent >= 4 && !context.in_list(at)) {
            continue;
        }
        let Some(command) = command(&rest[PREFIX.len()..]) else {
            continue;
        };
        if out.commands.len() == MAX_COMMANDS {
            out.overflow = Some(Overflow::TooManyCommands);
            break;
        }
        out.commands.push(ParsedCommand {
            line: number,
            command,
        });
    }
    out
}

/// The command after `/secarch`; `None` when `/secarch` was the start of a longer word
/// (`/secarchive`).
fn command(after: &str) -> Option<Command> {
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let mut words = after.trim_start_matches([' ', '\t']);
    // "approve," and "approve." are the verb followed by punctuation, not another verb.
    let verb = next_word(&mut words)
        .trim_end_matches(|c: char| c.is_ascii_punctuation())
        .to_ascii_lowercase();
    Some(match verb.as_str() {
        "approve" => approval(words),
        "revoke" => Command::Revoke,
        "recheck" => Command::Recheck,
        "help" => Command::Help,
        _ => Command::Unknown {
            verb: verb.chars().take(40).collect(),
        },
    })
}

fn approval(rest: &str) -> Command {
    let rest = rest.trim_matches([' ', '\t']);
    let mut words = rest;
    let first = next_word(&mut words);
    if let Some(rationale) = no_change(rest) {
        return Command::Approve(Approval::NoChange {
            rationale: rationale.chars().take(MAX_RATIONALE_CHARS).collect(),
            chars: rationale.chars().count(),
        });
    }
    let hex = !first.is_empty() && first.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (MIN_SHA_PREFIX..=64).contains(&first.len()) {
        return Command::Approve(Approval::Commit(first.to_ascii_lowercase()));
    }
    // A short hex word with a digit in it is a commit id typed too short; other words are
    // trailing text ("/secarch approve, thanks").
    if hex && first.len() >= 4 && first.bytes().any(|b| b.is_ascii_digit()) {
        return Command::Malformed {
            verb: "approve".into(),
            problem: format!(
                "`{first}` is too short for a commit: give at least {MIN_SHA_PREFIX} characters of its SHA"
            ),
        };
    }
    Command::Approve(Approval::Head)
}

/// The rationale of `no-change: why` (also `no-change why`, `No-Change : why`, `nochange:`),
/// `None` when `rest` does not start with that keyword.
fn no_change(rest: &str) -> Option<&str> {
    let after = ["no-change", "nochange", "no_change"]
        .iter()
        .find_map(|k| strip_prefix_ignore_case(rest, k))?;
    if !(after.is_empty() || after.starts_with([' ', '\t', ':'])) {
        return None;
    }
    let after = after.trim_start_matches([' ', '\t']);
    Some(after.strip_prefix(':').unwrap_or(after).trim())
}

/// The next whitespace-separated word of `s`, advancing `s` past it.
fn next_word<'a>(s: &mut &'a str) -> &'a str {
    let t = s.trim_start_matches([' ', '\t']);
    let end = t.find([' ', '\t']).unwrap_or(t.len());
    let (word, rest) = t.split_at(end);
    *s = rest;
    word
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn starts_with_prefix(s: &str) -> bool {
    strip_prefix_ignore_case(s, PREFIX).is_some()
}

/// Whether `/secarch` occurs anywhere (any case): most comments are not commands, and this
/// keeps them from being parsed as Markdown at all.
fn contains_prefix(body: &str) -> bool {
    body.as_bytes()
        .windows(PREFIX.len())
        .any(|w| w.eq_ignore_ascii_case(PREFIX.as_bytes()))
}

/// Leading blanks as columns (a tab advances to the next multiple of four), and the rest.
fn split_indent(line: &str) -> (usize, &str) {
    let mut columns = 0;
    for (i, c) in line.char_indices() {
        match c {
            ' ' => columns += 1,
            '\t' => columns += 4 - columns % 4,
            _ => return (columns, &line[i..]),
        }
    }
    (columns, "")
}

/// `(1-based number, byte offset, text without its line ending)` of every line of an
/// LF-only body.
fn lines(body: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut start = 0;
    body.split('\n').enumerate().map(move |(i, line)| {
        let at = start;
        start += line.len() + 1;
        (i + 1, at, line)
    })
}

/// Where the body is code, quoted or hidden, and where it is inside a list item, as byte
/// ranges (from one pulldown-cmark pass).
struct Context {
    hidden: Vec<Range<usize>>,
    lists: Vec<Range<usize>>,
}

impl Context {
    fn of(body: &str) -> Context {
        let mut hidden = Vec::new();
        let mut lists = Vec::new();
        for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(_) | Tag::BlockQuote(_)) | Event::Code(_) => {
                    hidden.push(range)
                }
                Event::Start(Tag::HtmlBlock) | Event::InlineHtml(_) => {
                    html_comments(body, range, &mut hidden)
                }
                Event::Start(Tag::Item) => lists.push(range),
                _ => {}
            }
        }
        Context { hidden, lists }
    }

    fn hidden(&self, at: usize) -> bool {
        self.hidden.iter().any(|r| r.contains(&at))
    }

    fn in_list(&self, at: usize) -> bool {
        self.lists.iter().any(|r| r.contains(&at))
    }
}

/// The `<!-- … -->` comments within `range` (an unterminated one runs to the range's end).
fn html_comments(body: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(text) = body.get(range.clone()) else {
        return;
    };
    let mut from = 0;
    while let Some(open) = text[from..].find("<!--") {
        let open = from + open;
        let close = text[open + 4..]
            .find("-->")
            .map_or(text.len(), |c| open + 4 + c + 3);
        out.push(range.start + open..range.start + close);
        from = close;
    }
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
