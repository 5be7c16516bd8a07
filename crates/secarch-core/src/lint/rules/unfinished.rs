//! SA006: no placeholder is left. `secarch init` writes a skeleton full of `TODO`s (product name,
//! `requirements: [TODO-REQ]`, every safety assessment); a document that still has them must not
//! lint clean, however complete its structure looks. The markers are found while the document is
//! parsed ([`crate::model::placeholders`]).

use crate::lint::context::{Ctx, Out};

/// Most findings listed one by one; the rest are counted in the last one.
const LISTED: usize = 50;

/// SA006: a placeholder marker left in the document.
pub fn sa006(cx: &Ctx<'_>, out: &mut Out) {
    let found = &cx.doc.placeholders;
    for (i, p) in found.iter().enumerate() {
        if i == LISTED {
            out.push(
                "SA006",
                p.pos,
                format!(
                    "{} more placeholders after this one; replace every TODO/TBD/FIXME with the real content",
                    found.len() - LISTED
                ),
            );
            break;
        }
        out.push(
            "SA006",
            p.pos,
            format!(
                "placeholder `{}` left in the document; replace it with the real content (`secarch init` wrote the skeleton's placeholders as TODO)",
                p.marker
            ),
        );
    }
}
