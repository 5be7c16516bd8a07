//! The embedded default policy (`config/default-policy.yml`, compiled in).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Category;

const DEFAULT_POLICY: &str = include_str!("../../../../config/default-policy.yml");

/// The text of the embedded default policy.
pub fn default_policy_yaml() -> &'static str {
    DEFAULT_POLICY
}

/// Shape of `config/default-policy.yml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub exclude: Vec<String>,
    pub categories: BTreeMap<String, DefaultCategory>,
    pub dependency_watchlist: BTreeMap<String, Vec<String>>,
    pub document_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultCategory {
    pub description: String,
    pub globs: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Defaults {
    pub fn load() -> Result<Defaults, serde_saphyr::Error> {
        serde_saphyr::from_str(DEFAULT_POLICY)
    }

    pub fn categories(&self) -> BTreeMap<String, Category> {
        self.categories
            .iter()
            .map(|(name, c)| {
                (
                    name.clone(),
                    Category {
                        description: c.description.clone(),
                        globs: c.globs.clone(),
                        exclude: c.exclude.clone(),
                    },
                )
            })
            .collect()
    }
}
