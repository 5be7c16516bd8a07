//! Splitting policy globs into a directory side and a file-name side, so a
//! tree walk can match each directory once and each file by its base name.
//!
//! Fingerprinting walks every file of the head tree (100k paths in the
//! benchmark) through ~250 globs; matched against whole paths that cost about
//! 5,000 instructions a path. With `literal_separator(true)` no wildcard
//! crosses a `/`, so `DIR/NAME` matches `d/n` exactly when `d` matches a
//! directory pattern derived from `DIR` and `n` matches `NAME`: the directory
//! side is evaluated once per directory, the name side on the short base name.
//!
//! Globs this is not sure about (escapes, a `/` inside braces, `**` inside a
//! component or twice in a row) stay whole and are matched against the full
//! path, as before: correctness never depends on the split. `matcher.rs` tests
//! the result against plain whole-path matching.

/// Which directories a split glob accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirPattern {
    /// Any directory, the root included (`**/NAME`).
    Any,
    /// Only the root (a glob without `/`, e.g. `Procfile`).
    Root,
    /// A directory (never the root) matching any of these globs
    /// (`/`-separated).
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

/// Index of the `]` closing the class opened at `open` (globset's rules: `!`
/// or `^` negates, a `]` first is literal, `a-z` ranges); `None` when the
/// class is not closed.
fn class_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if matches!(bytes.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    let start = i;
    while i < bytes.len() {
        if bytes[i] == b']' && i > start {
            return Some(i);
        }
        if bytes.get(i + 1) == Some(&b'-') && bytes.get(i + 2).is_some_and(|&e| e != b']') {
            i += 3;
        } else {
            i += 1;
        }
    }
    None
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
