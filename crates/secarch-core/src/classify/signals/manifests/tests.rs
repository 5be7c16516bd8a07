use super::*;
use crate::policy::Policy;

fn watch() -> Watchlist {
    Watchlist::new(&Policy::embedded_default().dependency_watchlist)
}

fn run(m: Manifest, base: Option<&str>, head: &str) -> Outcome {
    let mut base = || base.map(str::to_string);
    added(m, &watch(), head, &mut base)
}

fn messages(o: Outcome) -> Vec<(String, String, Option<u32>)> {
    match o {
        Outcome::Quiet => Vec::new(),
        Outcome::Trigger(s) => s.into_iter().map(|s| (s.kind, s.message, s.line)).collect(),
    }
}

const CARGO: &str = "[package]\nname = \"pump\"\n\n[dependencies]\nserde = \"1.0.200\"\n\n[dev-dependencies]\nproptest = \"1\"\n";

#[test]
fn cargo_adding_axum_triggers_with_name_and_line() {
    let head = CARGO.replace(
        "serde = \"1.0.200\"\n",
        "serde = \"1.0.200\"\naxum = { version = \"0.8\", features = [\"ws\"] }\n",
    );
    assert_eq!(
        messages(run(Manifest::Cargo, Some(CARGO), &head)),
        vec![(
            "dependency-added".into(),
            "new dependency axum (cargo, [dependencies])".into(),
            Some(6)
        )]
    );
}

#[test]
fn cargo_bump_reorder_dev_and_unwatched_are_quiet() {
    let bump = CARGO.replace("1.0.200", "1.0.228");
    assert_eq!(run(Manifest::Cargo, Some(CARGO), &bump), Outcome::Quiet);
    let dev = CARGO.replace(
        "proptest = \"1\"",
        "proptest = \"1\"\nreqwest = \"0.12\"\naxum = \"0.8\"",
    );
    assert_eq!(run(Manifest::Cargo, Some(CARGO), &dev), Outcome::Quiet);
    let build = format!("{CARGO}\n[build-dependencies]\nreqwest = \"0.12\"\n");
    assert_eq!(run(Manifest::Cargo, Some(CARGO), &build), Outcome::Quiet);
    let other = CARGO.replace("serde = \"1.0.200\"", "serde = \"1.0.200\"\nanyhow = \"1\"");
    assert_eq!(run(Manifest::Cargo, Some(CARGO), &other), Outcome::Quiet);
    // Already present at base (version bump of a watchlisted crate).
    let with = CARGO.replace("serde = \"1.0.200\"", "hyper = \"1.0\"");
    assert_eq!(
        run(Manifest::Cargo, Some(&with), &with.replace("1.0", "1.5")),
        Outcome::Quiet
    );
}

#[test]
fn cargo_target_workspace_and_renamed_dependencies() {
    let head = "[workspace.dependencies]\ntonic = \"0.12\"\n\n[target.'cfg(unix)'.dependencies]\nserial = { package = \"serialport\", version = \"4\" }\n\n[dependencies]\nTokio_Tungstenite = \"0.24\"\n";
    let got = messages(run(Manifest::Cargo, None, head));
    let msgs: Vec<&str> = got.iter().map(|(_, m, _)| m.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "new dependency Tokio_Tungstenite (cargo, [dependencies], watchlist entry tokio-tungstenite)",
            "new dependency tonic (cargo, [workspace.dependencies])",
            "new dependency serialport (cargo, [target.'cfg(unix)'.dependencies])",
        ]
    );
}

const PKG: &str = "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"lodash\": \"^4.17.0\"\n  },\n  \"devDependencies\": {\n    \"jest\": \"^29\"\n  }\n}\n";

#[test]
fn npm_express_triggers_lodash_and_dev_ws_do_not() {
    let express = PKG.replace(
        "\"lodash\": \"^4.17.0\"",
        "\"lodash\": \"^4.17.0\",\n    \"express\": \"^4.19.2\"",
    );
    assert_eq!(
        messages(run(Manifest::Npm, Some(PKG), &express)),
        vec![(
            "dependency-added".into(),
            "new dependency express (npm, dependencies)".into(),
            Some(5)
        )]
    );
    let lodash = PKG.replace(
        "\"lodash\": \"^4.17.0\"",
        "\"lodash\": \"^4.17.0\",\n    \"left-pad\": \"1\"",
    );
    assert_eq!(run(Manifest::Npm, Some(PKG), &lodash), Outcome::Quiet);
    let ws = PKG.replace(
        "\"jest\": \"^29\"",
        "\"jest\": \"^29\",\n    \"ws\": \"^8\"",
    );
    assert_eq!(run(Manifest::Npm, Some(PKG), &ws), Outcome::Quiet);
    // Moving ws from dev to shipped dependencies ships it: trigger.
    let moved = PKG.replace(
        "\"lodash\": \"^4.17.0\"",
        "\"lodash\": \"^4.17.0\",\n    \"ws\": \"^8\"",
    );
    assert_eq!(messages(run(Manifest::Npm, Some(&ws), &moved)).len(), 1);
    let peer = PKG.replace(
        "\"devDependencies\"",
        "\"peerDependencies\": {\"@grpc/grpc-js\": \"1\"},\n  \"devDependencies\"",
    );
    assert_eq!(
        messages(run(Manifest::Npm, Some(PKG), &peer))[0].1,
        "new dependency @grpc/grpc-js (npm, peerDependencies)"
    );
}

#[test]
fn requirements_flask_triggers_with_normalised_name() {
    let base = "requests==2.31.0\n";
    let head = "requests==2.32.0\nFlask==2.0\n";
    assert_eq!(
        messages(run(Manifest::Requirements, Some(base), head)),
        vec![(
            "dependency-added".into(),
            "new dependency Flask (pypi, requirements)".into(),
            Some(2)
        )]
    );
    assert_eq!(
        run(
            Manifest::Requirements,
            Some(head),
            "flask>=2.0\nRequests==2.32.0\n"
        ),
        Outcome::Quiet
    );
    let got = messages(run(
        Manifest::Requirements,
        Some(base),
        "requests\nFhir_Resources==7\nPaho.MQTT\n",
    ));
    assert_eq!(got.len(), 2);
    assert!(
        got[0].1.contains("watchlist entry fhir.resources"),
        "{got:?}"
    );
}

#[test]
fn pyproject_pep621_extras_and_poetry() {
    let base = "[project]\nname = \"x\"\ndependencies = [\"pydantic>=2\"]\n";
    let head = "[project]\nname = \"x\"\ndependencies = [\n  \"pydantic>=2\",\n  \"FastAPI[standard]>=0.110\",\n]\n[project.optional-dependencies]\nble = [\"bleak\"]\n[tool.poetry.dependencies]\npython = \"^3.11\"\npynetdicom = \"^2\"\n[tool.poetry.group.dev.dependencies]\nhttpx = \"*\"\n";
    let got = messages(run(Manifest::Pyproject, Some(base), head));
    let got: Vec<_> = got.into_iter().map(|(_, m, l)| (m, l)).collect();
    assert_eq!(
        got,
        vec![
            (
                "new dependency FastAPI (pypi, project.dependencies)".to_string(),
                Some(5)
            ),
            (
                "new dependency bleak (pypi, project.optional-dependencies.ble)".to_string(),
                Some(8)
            ),
            (
                "new dependency pynetdicom (pypi, tool.poetry.dependencies)".to_string(),
                Some(11)
            ),
        ]
    );
}

#[test]
fn go_maven_gradle_nuget_gems() {
    let go = "module x\nrequire (\n\tgithub.com/labstack/echo/v4 v4.12.0\n\tgithub.com/labstack/echo-contrib v0.1.0\n)\n";
    let got = messages(run(Manifest::GoMod, Some("module x\n"), go));
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("github.com/labstack/echo/v4"));

    let pom = "<project><dependencies><dependency><groupId>io.netty</groupId><artifactId>netty-codec-http</artifactId></dependency><dependency><groupId>com.google.guava</groupId><artifactId>guava</artifactId></dependency></dependencies></project>";
    let got = messages(run(Manifest::Pom, Some("<project/>"), pom));
    assert_eq!(got.len(), 1);
    assert!(
        got[0]
            .1
            .starts_with("new dependency io.netty:netty-codec-http (maven")
    );

    let gradle = "dependencies {\n  implementation 'org.springframework.boot:spring-boot-starter-web'\n  implementation 'org.springframework.boot:spring-boot-starter-json'\n}\n";
    assert_eq!(messages(run(Manifest::Gradle, None, gradle)).len(), 1);

    let csproj = "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><PackageReference Include=\"mqttnet\" Version=\"4\" /></ItemGroup></Project>";
    assert_eq!(messages(run(Manifest::Csproj, None, csproj)).len(), 1);
    let web = csproj.replace("Microsoft.NET.Sdk\"", "Microsoft.NET.Sdk.Web\"");
    let got = messages(run(Manifest::Csproj, Some(csproj), &web));
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("Microsoft.AspNetCore.App"));

    assert_eq!(
        messages(run(
            Manifest::Gemfile,
            Some("gem 'rails'\n"),
            "gem 'rails'\ngem 'sinatra'\n"
        ))
        .len(),
        1
    );
}

#[test]
fn unparsable_manifest_policy() {
    // Broken at head, fine at base: fail safe.
    let got = messages(run(Manifest::Cargo, Some(CARGO), "[dependencies\naxum = 1"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "unparsable");
    // New and broken: fail safe too.
    assert_eq!(
        messages(run(Manifest::Npm, None, "{\"dependencies\": ")).len(),
        1
    );
    // Broken before and after (a template): only a new watchlisted name triggers.
    let tpl = "{\n  \"name\": \"{{ name }}\",\n  {% if web %}\"dependencies\": {}{% endif %}\n}\n";
    assert_eq!(
        run(
            Manifest::Npm,
            Some(tpl),
            &tpl.replace("name }}", "project }}")
        ),
        Outcome::Quiet
    );
    let with_express = tpl.replace("{}", "{\n    \"express\": \"4\"\n  }");
    let got = messages(run(Manifest::Npm, Some(tpl), &with_express));
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0.as_str(), got[0].2), ("unparsable", Some(4)));
    assert!(got[0].1.contains("express"));
}

#[test]
fn base_is_read_only_when_head_has_watchlisted_dependencies() {
    let mut calls = 0;
    let mut base = || {
        calls += 1;
        Some(CARGO.to_string())
    };
    let head = CARGO.replace("1.0.200", "1.0.201");
    assert_eq!(
        added(Manifest::Cargo, &watch(), &head, &mut base),
        Outcome::Quiet
    );
    assert_eq!(calls, 0);
}
