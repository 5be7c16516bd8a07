//! .NET project files (`*.csproj`, MSBuild XML).

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::Dep;
use crate::position::LineIndex;

pub fn parse(text: &str) -> Result<Vec<Dep>, String> {
    let lines = LineIndex::new(text);
    let mut reader = Reader::from_str(text);
    let mut out = Vec::new();
    let mut depth = 0usize;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let line = Some(lines.line_of(pos));
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        let e = match &event {
            Event::Start(e) => {
                depth += 1;
                e
            }
            Event::Empty(e) => e,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let tag = e.local_name();
        match tag.as_ref() {
            // The web SDK references ASP.NET Core implicitly.
            b"Project"
                if attr(e, "Sdk")
                    .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft.NET.Sdk.Web")) =>
            {
                out.push(Dep {
                    name: "Microsoft.AspNetCore.App".to_string(),
                    section: "Sdk=\"Microsoft.NET.Sdk.Web\"".to_string(),
                    line,
                });
            }
            b"PackageReference" | b"FrameworkReference" => {
                // `Update=` changes an existing reference; only `Include=` adds one.
                if let Some(name) = attr(e, "Include") {
                    out.push(Dep {
                        name,
                        section: String::from_utf8_lossy(tag.as_ref()).into_owned(),
                        line,
                    });
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unclosed element".to_string());
    }
    Ok(out)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    // Without duplicate checks: they compare every attribute with every earlier
    // one (quadratic in a hostile element's attributes); the first one wins anyway.
    e.attributes().with_checks(false).flatten().find_map(|a| {
        (a.key.as_ref() == name.as_bytes())
            .then(|| a.unescape_value().ok().map(|v| v.trim().to_string()))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_and_framework_references_and_web_sdk() {
        let text = "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <ItemGroup>\n    <PackageReference Include=\"Hl7.Fhir.R4\" Version=\"5.0.0\" />\n    <PackageReference Update=\"MQTTnet\" Version=\"4\" />\n    <FrameworkReference Include=\"Microsoft.AspNetCore.App\" />\n  </ItemGroup>\n</Project>\n";
        let deps: Vec<_> = parse(text)
            .expect("parses")
            .into_iter()
            .map(|d| (d.name, d.line))
            .collect();
        assert_eq!(
            deps,
            vec![
                ("Microsoft.AspNetCore.App".to_string(), Some(1)),
                ("Hl7.Fhir.R4".to_string(), Some(3)),
                ("Microsoft.AspNetCore.App".to_string(), Some(5)),
            ]
        );
        assert!(parse("<Project><ItemGroup></Project>").is_err());
    }
}
