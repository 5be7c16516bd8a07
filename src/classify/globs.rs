//! Rewriting policy globs into shapes that are cheap to match over a whole tree.
//!
//! Fingerprinting walks every file of the head tree (100k paths in the
//! benchmark) through ~250 globs. Matched whole, most of them (`**/auth/**`,
//! `**/*.{yml,yaml}`, `**/security/**/*.md`) end up in globset's regex set,
//! about 5,000 instructions a path. Two exact rewrites remove that:
//!
//! 1. **Brace expansion** (`*.{yml,yaml}` → `*.yml`, `*.yaml`): a union of
//!    plain globs lets globset use its hash-based extension, literal and
//!    prefix strategies instead of a regex.
//! 2. **Directory / file-name split** at the last `/`: with
//!    `literal_separator(true)` no wildcard crosses a `/`, so `DIR/NAME`
//!    matches `d/n` exactly when `d` matches a directory pattern derived from
//!    `DIR` and `n` matches `NAME`. The directory side is evaluated once per
//!    directory of the walk, the name side on the short base name.
//!
//! Anything these rewrites are not sure about (escapes, nested or empty
//! alternatives, `**` inside a file-name pattern) stays whole and is matched
//! against the full path, as before: correctness never depends on the
//! rewrite. `matcher.rs` tests both against plain whole-path matching.

/// At most this many globs from one brace expansion; beyond it the glob stays
/// whole (globset's own alternation is exact, just slower).
const MAX_EXPANSION: usize = 256;

/// Which directories a split glob accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirPattern {
    /// Any directory, the root included (`**/NAME`).
    Any,
    /// Only the root (a glob without `/`, e.g. `Procfile`).
    Root,
    /// A directory matching any of these globs (lower-case, `/`-separated,
    /// `""` for the root).
    Globs(Vec<String>),
}

/// A glob rewritten for matching per directory and per file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Matches `dir/name` when `dir` satisfies `dir` and `name` matches `name`;
    /// `name: None` means every file below (the glob ended in `/**`).
    Split {
        dir: DirPattern,
        name: Option<String>,
    },
    /// Matched against the whole path.
    Whole(String),
}

/// A file-name pattern as the union of patterns globset matches without a
/// regex (`*.{yml,yaml}` → `*.yml`, `*.yaml`: its extension strategy is a hash
/// lookup). `[name]` when there is nothing to expand, when the expansion is not
/// certain to be exact, or when some result would still need a regex: one
/// regex for the alternation is cheaper to build than one per expansion.
pub(crate) fn expand_name(name: &str) -> Vec<String> {
    parse_alternations(name)
        .and_then(|parts| product(&parts))
        .filter(|names| names.iter().all(|n| regex_free(n)))
        .unwrap_or_else(|| vec![name.to_string()])
}

/// A literal, `*suffix` or `prefix*`: the shapes globset answers with its
/// literal, extension, suffix and prefix strategies.
fn regex_free(name: &str) -> bool {
    if name.contains(['?', '[', ']', '{', '}', '\\']) {
        return false;
    }
    let inner = name.strip_prefix('*').or_else(|| name.strip_suffix('*'));
    !inner.unwrap_or(name).contains('*')
}

/// Split a glob into its directory and file-name sides. Alternations stay as
/// they are (globset matches them on either side) unless one holds a `/`.
///
/// The root is the empty directory, and directory patterns are never tried on
/// it: a whole-path glob `DIR/NAME` can only match a file at the root through
/// a leading `**/`, which is [`DirPattern::Any`].
pub(crate) fn shape(glob: &str) -> Shape {
    let whole = || Shape::Whole(glob.to_string());
    if glob.contains('\\') || !plain_recursion(glob) {
        return whole();
    }
    let Some(separator) = last_separator(glob) else {
        // An unclosed class or brace, or a `/` inside braces.
        return whole();
    };
    let Some(slash) = separator else {
        return match glob {
            "**" => Shape::Split {
                dir: DirPattern::Any,
                name: None,
            },
            name if name.contains("**") || name.is_empty() => whole(),
            name => Shape::Split {
                dir: DirPattern::Root,
                name: Some(name.to_string()),
            },
        };
    };
    let (dir, name) = (&glob[..slash], &glob[slash + 1..]);
    if dir.is_empty() || name.is_empty() {
        return whole();
    }
    if name == "**" {
        // `DIR/**`: every file whose directory is DIR or below it.
        let dir = match dir {
            "**" => DirPattern::Any,
            d => DirPattern::Globs(vec![d.to_string(), format!("{d}/**")]),
        };
        return Shape::Split { dir, name: None };
    }
    if name.contains("**") {
        return whole();
    }
    let dir = match dir {
        "**" => DirPattern::Any,
        // `X/**/NAME` also matches `X/NAME`: the `**` may be empty.
        d => match d.strip_suffix("/**") {
            Some(parent) if !parent.is_empty() => {
                DirPattern::Globs(vec![d.to_string(), parent.to_string()])
            }
            _ => DirPattern::Globs(vec![d.to_string()]),
        },
    };
    Shape::Split {
        dir,
        name: Some(name.to_string()),
    }
}

/// True when every `**` is a whole component and no two follow each other:
/// the forms whose meaning is plain. Globset gives the rest (`a**`, `**/**`)
/// its own readings; those globs stay whole.
fn plain_recursion(glob: &str) -> bool {
    let mut previous_recursive = false;
    for component in glob.split('/') {
        let recursive = component == "**";
        if (recursive && previous_recursive) || (!recursive && component.contains("**")) {
            return false;
        }
        previous_recursive = recursive;
    }
    true
}

/// Byte index of the last `/` that separates components (not one inside a
/// `[...]` class); `None` when a class or an alternation is not closed or an
/// alternation holds a `/`.
fn last_separator(glob: &str) -> Option<Option<usize>> {
    let bytes = glob.as_bytes();
    let mut last = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i = class_end(bytes, i)?,
            b'{' => depth += 1,
            b'}' => depth = depth.checked_sub(1)?,
            b'/' if depth > 0 => return None,
            b'/' => last = Some(i),
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then_some(last)
}

/// Index of the `]` closing the class opened at `open`, following globset's
/// rules: a `]` right after `[`, `[!` or `[^` is a literal. `None` when the
/// class is not closed.
fn class_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if matches!(bytes.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    if bytes.get(i) == Some(&b']') {
        i += 1;
    }
    while i < bytes.len() {
        if bytes[i] == b']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The glob as a sequence of parts, each a list of alternatives (a literal run
/// is a part with one alternative). `None` when expansion is not certain to be
/// exact: escapes, nested or unclosed braces, unclosed classes, empty
/// alternatives (globset drops those, e.g. `{,a}`), or no braces at all.
fn parse_alternations(glob: &str) -> Option<Vec<Vec<String>>> {
    if glob.contains('\\') || !glob.contains('{') {
        return None;
    }
    let bytes = glob.as_bytes();
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i = class_end(bytes, i)?,
            b'}' => return None,
            b'{' => {
                parts.push(vec![glob[literal_start..i].to_string()]);
                let (alternatives, close) = alternation(glob, i)?;
                parts.push(alternatives);
                i = close;
                literal_start = close + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(vec![glob[literal_start..].to_string()]);
    Some(parts)
}

/// The alternatives of the `{...}` opened at `open` and the index of its `}`.
fn alternation(glob: &str, open: usize) -> Option<(Vec<String>, usize)> {
    let bytes = glob.as_bytes();
    let mut alternatives = Vec::new();
    let mut start = open + 1;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i = class_end(bytes, i)?,
            b'{' => return None,
            b',' | b'}' => {
                let alternative = &glob[start..i];
                if alternative.is_empty() {
                    return None;
                }
                alternatives.push(alternative.to_string());
                if bytes[i] == b'}' {
                    return Some((alternatives, i));
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn product(parts: &[Vec<String>]) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    for part in parts {
        if out.len().checked_mul(part.len())? > MAX_EXPANSION {
            return None;
        }
        out = out
            .iter()
            .flat_map(|prefix| part.iter().map(move |p| format!("{prefix}{p}")))
            .collect();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(dir: DirPattern, name: Option<&str>) -> Shape {
        Shape::Split {
            dir,
            name: name.map(str::to_string),
        }
    }

    fn globs(g: &[&str]) -> DirPattern {
        DirPattern::Globs(g.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn expands_names_into_regex_free_patterns() {
        assert_eq!(expand_name("*.{yml,yaml}"), ["*.yml", "*.yaml"]);
        assert_eq!(expand_name("{a,b}.{c,d}"), ["a.c", "a.d", "b.c", "b.d"]);
        assert_eq!(
            expand_name("{dockerfile,containerfile}*"),
            ["dockerfile*", "containerfile*"]
        );
        // Still a regex after expansion: one alternation is cheaper.
        for name in [
            "auth{[!o]*,oriz*}.rs",
            "*{jwt,oidc}*.{js,ts}",
            "values*.{yml,yaml}",
        ] {
            assert_eq!(expand_name(name), [name], "{name}");
        }
        assert_eq!(expand_name("Dockerfile"), ["Dockerfile"]);
    }

    #[test]
    fn leaves_uncertain_alternations_whole() {
        for name in [
            "{a,{b,c}}",
            "{,a}x",
            "{a,}",
            "x{a",
            "x}a",
            r"\{a,b}",
            "[a{b,c}",
            "{}",
        ] {
            assert_eq!(expand_name(name), [name], "{name}");
        }
        let many = "{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}";
        assert_eq!(expand_name(many), [many]);
    }

    #[test]
    fn splits_directory_and_name() {
        assert_eq!(
            shape("**/Dockerfile"),
            split(DirPattern::Any, Some("Dockerfile"))
        );
        assert_eq!(shape("Procfile"), split(DirPattern::Root, Some("Procfile")));
        assert_eq!(
            shape("**/auth/**"),
            split(globs(&["**/auth", "**/auth/**"]), None)
        );
        assert_eq!(shape("docs/**"), split(globs(&["docs", "docs/**"]), None));
        assert_eq!(shape("**"), split(DirPattern::Any, None));
        assert_eq!(
            shape("**/security/**/*.md"),
            split(globs(&["**/security/**", "**/security"]), Some("*.md"))
        );
        assert_eq!(
            shape("**/requirements/*.txt"),
            split(globs(&["**/requirements"]), Some("*.txt"))
        );
        assert_eq!(
            shape("docs/security/architecture.md"),
            split(globs(&["docs/security"]), Some("architecture.md"))
        );
        assert_eq!(shape("a/[/]b"), split(globs(&["a"]), Some("[/]b")));
        assert_eq!(shape("*/*"), split(globs(&["*"]), Some("*")));
        assert_eq!(
            shape("**/{queries,mutations}/**/*.{graphql,gql}"),
            split(
                globs(&["**/{queries,mutations}/**", "**/{queries,mutations}"]),
                Some("*.{graphql,gql}")
            )
        );
    }

    #[test]
    fn keeps_what_it_cannot_split_whole() {
        for glob in [
            "/x",
            "x/",
            "**/a**",
            "a/b**c",
            "{a/b,c}/d",
            "x/{a,b/c}",
            r"a\/b",
            "a/[b",
            "a/{b",
            "**/**/x",
            "a/**/**",
            "a**/b",
        ] {
            assert_eq!(shape(glob), Shape::Whole(glob.to_string()), "{glob}");
        }
    }
}
