//! `AndroidManifest.xml`: components newly exported (`android:exported="true"`),
//! new permissions, and app-wide `debuggable` / `usesCleartextTraffic` switched on.

use std::collections::BTreeSet;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::signal;
use crate::classify::Signal;
use crate::position::LineIndex;

const COMPONENTS: [&str; 5] = [
    "activity",
    "activity-alias",
    "service",
    "receiver",
    "provider",
];

/// (fact kind, detail, line)
type Fact = (&'static str, String, u32);

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let Some(head) = facts(head) else {
        return Vec::new();
    };
    let base: BTreeSet<(&str, String)> = base
        .and_then(facts)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, d, _)| (k, d))
        .collect();
    head.into_iter()
        .filter(|(k, d, _)| !base.contains(&(*k, d.clone())))
        .map(|(kind, detail, line)| {
            let message = match kind {
                "exported-component" => format!("{detail} exported (android:exported=\"true\")"),
                "permission-added" => format!("new permission {detail}"),
                _ => format!("application {detail}"),
            };
            signal(kind, message, Some(line))
        })
        .collect()
}

fn facts(text: &str) -> Option<Vec<Fact>> {
    let lines = LineIndex::new(text);
    let mut reader = Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().ok()?;
        let (e, _empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Eof => break,
            _ => continue,
        };
        let line = lines
            .line_of(pos)
            .saturating_add(leading_newlines(text, pos));
        let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let name = attr(e, "name").unwrap_or_default();
        if COMPONENTS.contains(&tag.as_str()) && attr(e, "exported").as_deref() == Some("true") {
            out.push(("exported-component", format!("{tag} {name}"), line));
        } else if tag == "uses-permission" && !name.is_empty() {
            out.push(("permission-added", name, line));
        } else if tag == "application" {
            for flag in ["debuggable", "usesCleartextTraffic"] {
                if attr(e, flag).as_deref() == Some("true") {
                    out.push(("application-flag", format!("android:{flag}=\"true\""), line));
                }
            }
        }
    }
    Some(out)
}

/// `buffer_position` is where the previous event ended; the tag starts after any
/// whitespace text in between (reported as a separate event we skip).
fn leading_newlines(text: &str, pos: usize) -> u32 {
    let rest = text.get(pos..).unwrap_or("");
    let ws = &rest[..rest
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(rest.len())];
    u32::try_from(ws.matches('\n').count()).unwrap_or(0)
}

/// An attribute by local name (`android:exported` → `exported`), unescaped.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    // Without duplicate checks: they compare every attribute with every earlier
    // one (quadratic in a hostile element's attributes); the first one wins anyway.
    e.attributes().with_checks(false).flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local.as_bytes())
            .then(|| a.unescape_value().map(|v| v.into_owned()).ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android">
  <uses-permission android:name="android.permission.INTERNET" />
  <application android:label="x">
    <activity android:name=".MainActivity" android:exported="true" />
    <service android:name=".SyncService" android:exported="false" />
  </application>
</manifest>
"#;

    #[test]
    fn newly_exported_component_and_permission() {
        let head = BASE
            .replace(r#"android:name=".SyncService" android:exported="false""#, r#"android:name=".SyncService" android:exported="true""#)
            .replace("  <application", "  <uses-permission android:name=\"android.permission.BLUETOOTH_CONNECT\" />\n  <application android:debuggable=\"true\"");
        let got: Vec<_> = signals(Some(BASE), &head)
            .into_iter()
            .map(|s| (s.kind, s.message, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "permission-added".into(),
                    "new permission android.permission.BLUETOOTH_CONNECT".into(),
                    Some(4)
                ),
                (
                    "application-flag".into(),
                    "application android:debuggable=\"true\"".into(),
                    Some(5)
                ),
                (
                    "exported-component".into(),
                    "service .SyncService exported (android:exported=\"true\")".into(),
                    Some(7)
                ),
            ]
        );
    }

    #[test]
    fn unchanged_or_malformed_is_quiet() {
        assert!(signals(Some(BASE), BASE).is_empty());
        assert!(signals(Some(BASE), "<manifest><application></manifest>").is_empty());
    }
}
