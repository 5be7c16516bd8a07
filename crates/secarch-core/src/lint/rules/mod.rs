//! The rules, grouped by theme. Each is `fn(&Ctx, &mut Out)` and emits only
//! its own rule id.

mod diagrams;
mod fda;
mod layers;
pub mod presence;
mod reviews;
mod reviews_history;
mod safety;
mod structure;
pub mod threats;
mod unfinished;
mod zones;

#[cfg(test)]
mod tests;

use super::LintInput;
use super::context::{Ctx, Out};
use crate::model::{FrontMatterStatus, ParsedDocument};

pub use reviews::SECURITY_ROLE_WORDS;

type Rule = fn(&Ctx<'_>, &mut Out);

/// Rules that only need the body or the file name.
const BODY_RULES: &[(&str, Rule)] = &[
    ("SA003", presence::sa003),
    ("SA006", unfinished::sa006),
    ("SA070", presence::sa070),
];

/// Rules over the front matter (run when it could be read).
const MODEL_RULES: &[(&str, Rule)] = &[
    ("SA004", structure::sa004),
    ("SA005", structure::sa005),
    ("SA010", layers::sa010),
    ("SA011", layers::sa011),
    ("SA012", layers::sa012),
    ("SA013", layers::sa013),
    ("SA014", layers::sa014),
    ("SA015", layers::sa015),
    ("SA020", diagrams::sa020),
    ("SA021", zones::sa021),
    ("SA022", zones::sa022),
    ("SA023", diagrams::sa023),
    ("SA024", diagrams::sa024),
    ("SA025", zones::sa025),
    ("SA030", threats::sa030),
    ("SA031", threats::sa031),
    ("SA032", threats::sa032),
    ("SA040", safety::sa040),
    ("SA041", safety::sa041),
    ("SA042", safety::sa042),
    ("SA050", reviews::sa050),
    ("SA052", reviews_history::sa052),
    ("SA053", reviews_history::sa053),
    ("SA054", reviews::sa054),
    ("SA055", reviews_history::sa055),
    ("SA060", zones::sa060),
    ("SA061", zones::sa061),
    ("SA080", fda::sa080),
    ("SA081", fda::sa081),
];

/// Run every enabled rule over a parsed document.
pub fn run(input: &LintInput<'_>, parsed: &ParsedDocument, out: &mut Out) {
    for d in &parsed.diagnostics {
        out.push(d.rule, d.pos, d.message.clone());
    }
    let cx = Ctx::new(input, &parsed.document);
    let model_ok = parsed.document.front_matter == FrontMatterStatus::Parsed;
    let rules = BODY_RULES
        .iter()
        .chain(MODEL_RULES.iter().filter(|_| model_ok));
    for (id, rule) in rules {
        if cx.enabled(id) {
            rule(&cx, out);
        }
    }
    threats::sa033(input, Some(&parsed.document), out);
}
