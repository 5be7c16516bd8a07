//! Maven `pom.xml` (XML, read with quick-xml) and Gradle build scripts (a
//! string-literal tokenizer: Gradle files are Groovy or Kotlin programs and there
//! is no parser for either in Rust; dependency declarations are a configuration
//! name followed by a `"group:artifact:version"` literal or `group:`/`name:`
//! arguments, which tokens find reliably).

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::Dep;
use crate::position::LineIndex;

pub fn parse_pom(text: &str) -> Result<Vec<Dep>, String> {
    let lines = LineIndex::new(text);
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    // How many open elements are build plugins/extensions, and dependencyManagement:
    // counted as elements open and close, so a dependency never scans the stack
    // (quadratic in a deeply nested file).
    let (mut in_plugin, mut in_management) = (0usize, 0usize);
    let mut out = Vec::new();
    // (groupId, artifactId, scope, line) of the <dependency> being read.
    let mut current: Option<(String, String, String, u32)> = None;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "dependency" {
                    let line = lines.line_of(pos);
                    current = Some((String::new(), String::new(), String::new(), line));
                }
                count(&name, &mut in_plugin, &mut in_management, 1);
                stack.push(name);
            }
            Event::Text(t) => {
                if let Some(cur) = current.as_mut()
                    && let [.., parent, field] = stack.as_slice()
                    && parent == "dependency"
                {
                    let value = t.decode().map_err(|e| e.to_string())?.trim().to_string();
                    match field.as_str() {
                        "groupId" => cur.0.push_str(&value),
                        "artifactId" => cur.1.push_str(&value),
                        "scope" => cur.2.push_str(&value),
                        _ => {}
                    }
                }
            }
            Event::End(_) => {
                let closed = stack.pop().unwrap_or_default();
                count(&closed, &mut in_plugin, &mut in_management, -1);
                if closed == "dependency"
                    && let Some((group, artifact, scope, line)) = current.take()
                {
                    let excluded = matches!(scope.as_str(), "test" | "import");
                    if in_plugin == 0 && !excluded && !group.is_empty() {
                        let section = if in_management > 0 {
                            "dependencyManagement"
                        } else {
                            "dependencies"
                        };
                        out.push(Dep {
                            name: format!("{group}:{artifact}"),
                            section: section.to_string(),
                            line: Some(line),
                        });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed <{}>", stack.join("><")));
    }
    Ok(out)
}

/// Keep the counts of open plugin/extension and dependencyManagement elements.
fn count(name: &str, in_plugin: &mut usize, in_management: &mut usize, step: isize) {
    let counter = match name {
        "plugin" | "extension" => in_plugin,
        "dependencyManagement" => in_management,
        _ => return,
    };
    *counter = counter.saturating_add_signed(step);
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Tokens of a Groovy/Kotlin build script: identifiers, string literals (single,
/// double, triple-quoted), punctuation; comments skipped. `${}` inside strings is
/// kept as text.
fn tokens(text: &str) -> Vec<(Tok, u32)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1u32);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line = line.saturating_add(1);
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                if chars[i] == '\n' {
                    line = line.saturating_add(1);
                }
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let start_line = line;
            let triple = at(i + 1) == c && at(i + 2) == c;
            i += if triple { 3 } else { 1 };
            let mut s = String::new();
            while i < chars.len() {
                if triple && chars[i] == c && at(i + 1) == c && at(i + 2) == c {
                    i += 3;
                    break;
                }
                if !triple && (chars[i] == c || chars[i] == '\n') {
                    i += 1;
                    break;
                }
                if chars[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line = line.saturating_add(1);
                }
                s.push(at(i));
                i += 1;
            }
            out.push((Tok::Str(s), start_line));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), line));
        } else {
            if !c.is_whitespace() {
                out.push((Tok::Punct(c), line));
            }
            i += 1;
        }
    }
    out
}

/// A dependency configuration that ships: `implementation`, `api`, `compile`,
/// `runtimeOnly`, `compileOnly`, variant ones like `releaseImplementation`; not
/// test, annotation-processor or kapt/ksp configurations.
fn ships(config: &str) -> bool {
    let lower = config.to_ascii_lowercase();
    let shipping = [
        "implementation",
        "api",
        "compile",
        "runtimeonly",
        "compileonly",
        "runtime",
    ]
    .iter()
    .any(|s| lower.ends_with(s));
    shipping && !lower.contains("test") && !lower.contains("annotationprocessor")
}

pub fn parse_gradle(text: &str) -> Vec<Dep> {
    let toks = tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (Tok::Ident(config), line) = &toks[i] else {
            i += 1;
            continue;
        };
        i += 1;
        if !ships(config) {
            continue;
        }
        if matches!(toks.get(i), Some((Tok::Punct('('), _))) {
            i += 1;
        }
        match toks.get(i) {
            // implementation platform("io.netty:netty-bom:4.1.0"): a BOM, versions only.
            Some((Tok::Ident(f), _)) if f == "platform" || f == "enforcedPlatform" => {}
            Some((Tok::Str(coord), l)) => {
                let mut parts = coord.split(':');
                if let (Some(g), Some(a)) = (parts.next(), parts.next())
                    && !g.is_empty()
                    && !a.is_empty()
                {
                    out.push(Dep {
                        name: format!("{g}:{a}"),
                        section: config.clone(),
                        line: Some(*l),
                    });
                }
            }
            // Map notation: implementation group: 'io.netty', name: 'netty-all' (or `=` in Kotlin).
            Some((Tok::Ident(_), _)) => {
                let window = &toks[i..toks.len().min(i + 16)];
                let arg = |key: &str| {
                    window.windows(3).find_map(|w| match w {
                        [
                            (Tok::Ident(k), _),
                            (Tok::Punct(':' | '='), _),
                            (Tok::Str(v), _),
                        ] if k == key => Some(v.clone()),
                        _ => None,
                    })
                };
                if let (Some(g), Some(a)) = (arg("group"), arg("name")) {
                    out.push(Dep {
                        name: format!("{g}:{a}"),
                        section: config.clone(),
                        line: Some(*line),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pom_dependencies_skip_test_import_and_plugins() {
        let pom = r#"<project>
  <dependencyManagement><dependencies>
    <dependency><groupId>io.netty</groupId><artifactId>netty-bom</artifactId><type>pom</type><scope>import</scope></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>ca.uhn.hapi.fhir</groupId>
      <artifactId>hapi-fhir-server</artifactId>
    </dependency>
    <dependency><groupId>org.eclipse.jetty</groupId><artifactId>jetty-server</artifactId><scope>test</scope></dependency>
  </dependencies>
  <build><plugins><plugin><dependencies>
    <dependency><groupId>io.grpc</groupId><artifactId>x</artifactId></dependency>
  </dependencies></plugin></plugins></build>
</project>"#;
        let deps: Vec<_> = parse_pom(pom)
            .expect("parses")
            .into_iter()
            .map(|d| (d.name, d.section, d.line))
            .collect();
        assert_eq!(
            deps,
            vec![(
                "ca.uhn.hapi.fhir:hapi-fhir-server".into(),
                "dependencies".into(),
                Some(6)
            )]
        );
        assert!(parse_pom("<project><dependencies></project>").is_err());
    }

    #[test]
    fn gradle_groovy_and_kotlin() {
        let gradle = r#"
plugins { id 'java' }
dependencies {
    // implementation 'io.netty:netty-all:4.1.0'
    implementation 'org.springframework.boot:spring-boot-starter-web:3.3.0'
    implementation(platform("io.netty:netty-bom:4.1.100.Final"))
    api("io.grpc:grpc-netty:1.60.0")
    testImplementation "org.eclipse.jetty:jetty-server:12.0.0"
    runtimeOnly group: 'com.fazecast', name: 'jSerialComm', version: '2.10.4'
    implementation libs.okhttp
}
"#;
        let deps: Vec<_> = parse_gradle(gradle)
            .into_iter()
            .map(|d| (d.name, d.line))
            .collect();
        assert_eq!(
            deps,
            vec![
                (
                    "org.springframework.boot:spring-boot-starter-web".to_string(),
                    Some(5)
                ),
                ("io.grpc:grpc-netty".to_string(), Some(7)),
                ("com.fazecast:jSerialComm".to_string(), Some(9)),
            ]
        );
    }
}
