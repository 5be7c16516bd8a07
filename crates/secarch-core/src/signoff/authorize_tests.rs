use super::*;
use crate::policy::parse_policy;

fn config(yaml: &str) -> SignoffConfig {
    parse_policy(Some(("secarch.yml", yaml)))
        .expect("valid policy")
        .signoff
}

fn listed() -> SignoffConfig {
    config("signoff:\n  reviewers: {users: [Dana-Ortiz], teams: [acme/security-architects]}\n")
}

fn person(login: &str) -> ReviewerFacts {
    ReviewerFacts {
        login: login.into(),
        ..ReviewerFacts::default()
    }
}

fn pull() -> PullPeople {
    let mut p = PullPeople {
        author: "alice".into(),
        commits: Vec::new(),
    };
    p.add_commit(
        "1111111aaaaaaa",
        Some("bob"),
        Some("bob@example.org"),
        Some("web-flow"),
        Some("noreply@github.com"),
        "Add gateway port\n\nCo-authored-by: Carol <CAROL@example.org>\n",
    );
    p.add_commit(
        "2222222bbbbbbb",
        None,
        Some("4242+erin@users.noreply.github.com"),
        None,
        Some("frank@example.org"),
        "Tidy",
    );
    p
}

#[test]
fn listed_user_any_case() {
    assert_eq!(
        authorize(&listed(), &pull(), &person("dana-ortiz")),
        Ok(Grant::User)
    );
}

#[test]
fn active_team_member_but_not_pending() {
    let mut who = person("gus");
    who.teams
        .insert("acme/security-architects".into(), Membership::Active);
    assert_eq!(
        authorize(&listed(), &pull(), &who),
        Ok(Grant::Team("acme/security-architects".into()))
    );
    who.teams
        .insert("acme/security-architects".into(), Membership::Pending);
    let denied = authorize(&listed(), &pull(), &who).unwrap_err();
    assert_eq!(
        denied,
        Denial::NotAuthorized {
            pending: vec!["acme/security-architects".into()]
        }
    );
    assert!(denied.to_string().contains("pending"), "{denied}");
    who.teams
        .insert("acme/security-architects".into(), Membership::None);
    assert_eq!(
        authorize(&listed(), &pull(), &who),
        Err(Denial::NotAuthorized { pending: vec![] })
    );
    // Membership of a team the policy does not list grants nothing.
    let mut other = person("hal");
    other
        .teams
        .insert("acme/everyone".into(), Membership::Active);
    assert!(authorize(&listed(), &pull(), &other).is_err());
}

#[test]
fn min_permission_and_the_default_when_nobody_is_named() {
    let cfg = config("signoff:\n  min_permission: maintain\n  reviewers: {users: [dana]}\n");
    let mut who = person("ivy");
    who.permission = Some(Permission::Write);
    assert!(authorize(&cfg, &pull(), &who).is_err());
    who.permission = Some(Permission::Admin);
    assert_eq!(
        authorize(&cfg, &pull(), &who),
        Ok(Grant::Permission(Permission::Admin))
    );
    // Named users and no min_permission: a permission grants nothing.
    assert!(authorize(&listed(), &pull(), &who).is_err());
    // Nobody named: maintainers may sign off.
    let empty = config("check: {name: x}\n");
    who.permission = Some(Permission::Maintain);
    assert_eq!(
        authorize(&empty, &pull(), &who),
        Ok(Grant::Permission(Permission::Maintain))
    );
    who.permission = Some(Permission::Write);
    assert!(authorize(&empty, &pull(), &who).is_err());
    assert_eq!(
        eligible(&empty),
        ["anyone with maintain permission or higher"]
    );
    assert_eq!(
        eligible(&listed()),
        ["@Dana-Ortiz", "@acme/security-architects"]
    );
}

#[test]
fn four_eyes_beats_every_grant() {
    let cfg =
        config("signoff:\n  reviewers: {users: [alice, bob, carol, erin, frank, dana, ci]}\n");
    let denied = |who: ReviewerFacts| authorize(&cfg, &pull(), &who).unwrap_err();
    assert_eq!(denied(person("Alice")), Denial::PullAuthor);
    assert_eq!(
        denied(person("bob")),
        Denial::Contributor {
            role: CommitRole::Author,
            commit: "1111111aaaaaaa".into()
        }
    );
    // Co-author by trailer, matched by a known e-mail (any case).
    let mut carol = person("carol");
    carol.emails.push("carol@example.org".into());
    let d = denied(carol);
    assert!(
        matches!(
            &d,
            Denial::Contributor {
                role: CommitRole::CoAuthor,
                ..
            }
        ),
        "{d:?}"
    );
    assert!(d.to_string().contains("co-author"), "{d}");
    // A no-reply address names its login.
    assert!(matches!(
        denied(person("erin")),
        Denial::Contributor {
            role: CommitRole::Author,
            ..
        }
    ));
    let mut frank = person("frank");
    frank.emails.push("frank@example.org".into());
    assert!(matches!(
        denied(frank),
        Denial::Contributor {
            role: CommitRole::Committer,
            ..
        }
    ));
    // Bots, by type or by name.
    let mut bot = person("ci");
    bot.is_bot = true;
    assert_eq!(denied(bot), Denial::Bot);
    assert_eq!(denied(person("dependabot[bot]")), Denial::Bot);
    // Carol without a known e-mail cannot be matched to the trailer: documented limit.
    assert_eq!(authorize(&cfg, &pull(), &person("carol")), Ok(Grant::User));
    assert_eq!(authorize(&cfg, &pull(), &person("dana")), Ok(Grant::User));
}

#[test]
fn noreply_addresses() {
    assert_eq!(
        noreply_login("123+Dana@users.noreply.github.com"),
        Some("Dana")
    );
    assert_eq!(noreply_login("dana@users.noreply.github.com"), Some("dana"));
    assert_eq!(noreply_login("dana@example.org"), None);
    assert_eq!(noreply_login("no-at-sign"), None);
}
