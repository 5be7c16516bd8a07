//! `secarch config show` and `secarch config validate`.

use std::path::Path;

use super::{EXIT_ERROR, emit, fail};
use crate::policy::{POLICY_PATH, Policy, default_policy_yaml, parse_policy};
use crate::source::{FileSource, WorkTree};

fn read_policy_file(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map_err(|e| format!("cannot read policy file {}: {e}", path.display()))
        .and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| format!("{} is not UTF-8 text; save it as UTF-8", path.display()))
        })
}

/// Print the effective policy as YAML.
pub fn config_show(repo: &Path, policy: Option<&Path>, defaults: bool) -> u8 {
    if defaults {
        return emit(default_policy_yaml(), 0);
    }
    // The repository's own policy is read like `secarch lint` reads it: only
    // from inside the repository (a link out is refused); --policy is the
    // user's explicit choice and read wherever it is.
    let (file, text) = match policy {
        Some(p) => match read_policy_file(p) {
            Ok(text) => (Some(p.to_path_buf()), Some(text)),
            Err(e) => return fail(e),
        },
        None => match WorkTree::new(repo).read(POLICY_PATH) {
            Ok(None) => (None, None),
            Ok(Some(bytes)) => match String::from_utf8(bytes) {
                Ok(text) => (Some(repo.join(POLICY_PATH)), Some(text)),
                Err(_) => {
                    return fail(format!("{POLICY_PATH} is not UTF-8 text; save it as UTF-8"));
                }
            },
            Err(e) => return fail(e),
        },
    };
    let parsed = match (&file, &text) {
        (Some(p), Some(text)) => parse_policy(Some((&p.display().to_string(), text))),
        _ => Ok(Policy::embedded_default()),
    };
    match parsed {
        Ok(p) => {
            let source = file
                .map(|f| format!("embedded default + {}", f.display()))
                .unwrap_or_else(|| "embedded default".to_string());
            match serde_saphyr::to_string(&p) {
                Ok(y) => emit(&format!("# effective secarch policy ({source})\n{y}"), 0),
                Err(e) => fail(format!("cannot render the policy: {e}")),
            }
        }
        Err(e) => fail(format!(
            "{e}\n  fix the policy file, then run `secarch config validate` again"
        )),
    }
}

/// Validate one policy file.
pub fn config_validate(file: Option<&Path>) -> u8 {
    let path = file.unwrap_or(Path::new(POLICY_PATH));
    let text = match read_policy_file(path) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    match parse_policy(Some((&path.display().to_string(), &text))) {
        Ok(p) => {
            let line = format!(
                "{}: valid ({} categories, check name {:?})\n",
                path.display(),
                p.categories.len(),
                p.check_name()
            );
            emit(&line, 0)
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_ERROR
        }
    }
}
