//! Repository names (`owner/name`) as directories under the cache root.
//!
//! The name comes from a webhook payload, so it is validated before it becomes
//! a path, by the same rules as every GitHub name ([`crate::github::check_owner`],
//! [`crate::github::check_repo_name`]: `[A-Za-z0-9._-]`, owners without dots,
//! never `.` or `..`, no separators) and no leading `-`, so
//! `<root>/<owner>/<name>.git` cannot leave the root. Names are lower-cased: GitHub treats `Octo/Repo` and
//! `octo/repo` as the same repository, so they share one mirror and one lock
//! (also on case-insensitive file systems).

use std::fmt;
use std::path::{Path, PathBuf};

use super::mirror_error::MirrorError;

/// A validated, lower-cased `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MirrorKey {
    owner: String,
    name: String,
}

impl MirrorKey {
    pub(crate) fn parse(full_name: &str) -> Result<MirrorKey, MirrorError> {
        let invalid = |reason| MirrorError::InvalidName {
            name: full_name.chars().take(120).collect(),
            reason,
        };
        let (owner, name) = full_name
            .split_once('/')
            .ok_or_else(|| invalid("there is no `/` between owner and name"))?;
        crate::github::check_owner(owner).map_err(|e| invalid(e.reason))?;
        crate::github::check_repo_name(name).map_err(|e| invalid(e.reason))?;
        if owner.starts_with('-') || name.starts_with('-') {
            // A directory name starting with `-` reads as an option to tools run on the cache.
            return Err(invalid("a component must not start with `-`"));
        }
        Ok(MirrorKey {
            owner: owner.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
        })
    }

    /// The key of a mirror found on disk at `<root>/<owner>/<dir>`, if the
    /// directory is one the cache could have created.
    pub(crate) fn from_dir(owner: &str, dir: &str) -> Option<MirrorKey> {
        let name = dir.strip_suffix(".git")?;
        let key = MirrorKey::parse(&format!("{owner}/{name}")).ok()?;
        (key.owner == owner && key.name == name).then_some(key)
    }

    /// `<root>/<owner>/<name>.git`.
    pub(crate) fn dir(&self, root: &Path) -> PathBuf {
        root.join(&self.owner).join(format!("{}.git", self.name))
    }

    pub(crate) fn owner_dir(&self, root: &Path) -> PathBuf {
        root.join(&self.owner)
    }
}

impl fmt::Display for MirrorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_github_names_and_lowercases() {
        let k = MirrorKey::parse("Octo-Org/Hello_World.rs").unwrap();
        assert_eq!(k.to_string(), "octo-org/hello_world.rs");
        assert_eq!(
            k.dir(Path::new("/cache")),
            PathBuf::from("/cache/octo-org/hello_world.rs.git")
        );
        assert_eq!(
            MirrorKey::parse("octo/.github").unwrap().to_string(),
            "octo/.github"
        );
    }

    #[test]
    fn rejects_names_that_could_escape_the_root() {
        for bad in [
            "owner/../x",
            "../x",
            "owner/..",
            "owner/.",
            "./x",
            "owner/a/b",
            "owner",
            "/abs",
            "owner/",
            "/name",
            "own.er/x",
            "owner/x y",
            "owner/x\0",
            "owner/x\\y",
            "-owner/x",
            "owner/-x",
            "owner/naïve",
        ] {
            let err = MirrorKey::parse(bad).expect_err(bad);
            assert!(
                matches!(err, MirrorError::InvalidName { .. }),
                "{bad}: {err}"
            );
        }
        assert!(MirrorKey::parse(&format!("o/{}", "x".repeat(101))).is_err());
    }

    #[test]
    fn recognises_only_its_own_directories() {
        assert_eq!(
            MirrorKey::from_dir("octo", "repo.git").map(|k| k.to_string()),
            Some("octo/repo".to_string())
        );
        assert!(MirrorKey::from_dir("octo", "repo").is_none());
        assert!(MirrorKey::from_dir("Octo", "repo.git").is_none());
        assert!(MirrorKey::from_dir(".trash", "repo.git").is_none());
    }
}
