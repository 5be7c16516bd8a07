//! `categories_for` on realistic paths.

use super::classifier;

#[track_caller]
fn cats(path: &str) -> Vec<String> {
    classifier()
        .categories_for(path)
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[test]
fn watched_paths_by_category() {
    let expect: &[(&str, &[&str])] = &[
        ("Dockerfile", &["container"]),
        ("DOCKERFILE", &["container"]),
        ("deploy/dockerfile", &["container"]),
        ("services/api/Dockerfile.prod", &["container"]),
        ("build/app.dockerfile", &["container"]),
        ("Containerfile", &["container"]),
        ("docker-compose.yml", &["container"]),
        ("docker-compose.override.yaml", &["container"]),
        ("compose.yaml", &["container"]),
        ("deploy/k8s/deployment.yaml", &["container"]),
        ("charts/api/Chart.yaml", &["container"]),
        ("charts/api/templates/service.yaml", &["container"]),
        ("charts/api/values-prod.yaml", &["container"]),
        ("k8s/ingress.yaml", &["container", "network"]),
        ("infra/main.tf", &["iac"]),
        ("azuredeploy.json", &["iac"]),
        ("app.json", &["iac"]),
        ("nginx/nginx.conf", &["network"]),
        ("deploy/nginx-site.conf", &["network"]),
        ("web.config", &["network"]),
        ("lib/api3/swagger.yaml", &["api"]),
        ("lib/server/swagger.json", &["api"]),
        ("src/swagger_doc.json", &["api"]),
        ("proto/patients/v1/patients.proto", &["api"]),
        ("schema.graphql", &["api"]),
        ("app/src/main/AndroidManifest.xml", &["device-interface"]),
        ("firmware/prj.conf", &["device-interface"]),
        ("src/fhir/patient.ts", &["device-interface"]),
        ("src/auth/jwt.rs", &["auth-crypto"]),
        ("src/Auth/TokenService.cs", &["auth-crypto"]),
        ("lib/authorization/index.js", &["auth-crypto"]),
        ("src/operations/security/scopesManager.js", &["auth-crypto"]),
        ("lib/api3/security.js", &["auth-crypto"]),
        ("src/strategies/authService.js", &["auth-crypto"]),
        ("src/strategies/jwt.bearer.strategy.js", &["auth-crypto"]),
        (
            "src/main/java/com/acme/config/WebSecurityConfig.java",
            &["auth-crypto"],
        ),
        ("app/authorization.py", &["auth-crypto"]),
        ("pkg/authn.go", &["auth-crypto"]),
        ("src/auth.js", &["auth-crypto"]),
        ("keycloak-config/realm-import.json", &["auth-crypto"]),
        ("Cargo.toml", &["dependencies"]),
        ("web/package.json", &["dependencies"]),
        ("requirements-dev.txt", &["dependencies"]),
        ("requirements/base.txt", &["dependencies"]),
        ("src/Api/Api.csproj", &["dependencies"]),
        ("Gemfile", &["dependencies"]),
        (".github/workflows/release.yml", &["update-path"]),
        ("Jenkinsfile", &["update-path"]),
        ("scripts/sign-firmware.sh", &["update-path"]),
        ("tools/imgtool-sign.sh", &["update-path"]),
        ("release/codesign.sh", &["update-path"]),
        ("appsettings.Production.json", &["runtime-config"]),
        ("src/main/resources/application.yml", &["runtime-config"]),
        ("mysite/settings.py", &["runtime-config"]),
        ("Procfile", &["runtime-config"]),
        ("threat-model.yaml", &["threat-model"]),
        ("THREAT_MODEL.md", &["threat-model"]),
        (
            "security/gateway.otm.yaml",
            &["auth-crypto", "threat-model"],
        ),
        ("docs/architecture/overview.md", &["architecture-model"]),
        ("docs/c4/workspace.dsl", &["architecture-model"]),
        (".github/secarch.yml", &["policy"]),
    ];
    let c = classifier();
    let mut wrong = Vec::new();
    for (path, want) in expect {
        let got = c.categories_for(path);
        if got != *want {
            wrong.push(format!("{path}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn unwatched_paths() {
    let c = classifier();
    for path in [
        "README.md",
        "lib/client/index.js",
        "lib/client/hashauth.js",
        "src/main.rs",
        "docs/security-audit.md",
        "docs/security/threat-notes.md",
        "docs/architecture-overview.md",
        "docs/resource-authorization.md",
        "readme/security.md",
        "Cargo.lock",
        "package-lock.json",
        "yarn.lock",
        "poetry.lock",
        "go.sum",
        "src/components/Dockerfile.md",
        "src/values.ts",
        "templates/email.html",
        "assets/logo.png",
        "docs/security/security-architecture.md",
        "src/authors.js",
        "lib/author.ts",
        "src/Authority.cs",
        "src/auth/login.spec.ts",
        "pkg/auth/token_test.go",
        "app/security/test_headers.py",
        "web/src/auth/__tests__/guard.js",
        "src/Api.Tests/Auth/TokenTests.cs",
        "docs/design.yml",
        ".github/assign-reviewers.yml",
        "k8s/README.md",
        "src/graphql/queries/patients.graphql",
    ] {
        assert!(
            !c.is_watched(path),
            "{path} should not be watched: {:?}",
            c.categories_for(path)
        );
    }
}

#[test]
fn excluded_folders_never_trigger() {
    for path in [
        "tests/Dockerfile",
        "test/k8s/deploy.yaml",
        "src/tests/auth/login.rs",
        "pkg/testdata/openapi.yaml",
        "fixtures/docker-compose.yml",
        "examples/basic/Cargo.toml",
        "vendor/github.com/x/go.mod",
        "web/node_modules/express/package.json",
        "third_party/nginx/nginx.conf",
        "Tests/Api.Tests/Api.Tests.csproj",
    ] {
        assert!(cats(path).is_empty(), "{path}: {:?}", cats(path));
    }
}

#[test]
fn top_level_and_case_insensitive_basenames() {
    for path in [
        "Dockerfile",
        "dockerfile",
        "DockerFile",
        "a/b/c/DOCKERFILE",
        "Jenkinsfile",
        "ci/jenkinsfile",
        "chart/chart.yaml",
    ] {
        assert!(!cats(path).is_empty(), "{path}");
    }
    assert!(cats("Dockerfile/README.md").is_empty());
    assert!(cats("./Dockerfile") == ["container"]);
}

#[test]
fn explicit_document_and_discovered_names_are_exempt() {
    use crate::classify::Classifier;
    use crate::policy::Policy;
    let mut policy = Policy::embedded_default();
    policy
        .categories
        .entry("container".into())
        .or_default()
        .globs
        .push("deploy/**".into());
    let c = Classifier::new(&policy, Some("deploy/SECURITY.md")).expect("compiles");
    assert!(c.categories_for("deploy/SECURITY.md").is_empty());
    assert_eq!(c.categories_for("deploy/run.sh"), ["container"]);
    // No document known: every candidate name is exempt (creating one is the remedy).
    let c = Classifier::new(&Policy::embedded_default(), None).expect("compiles");
    assert!(c.categories_for("security-architecture.md").is_empty());
    assert!(
        c.categories_for("docs/security/security-design.md")
            .is_empty()
    );
}
