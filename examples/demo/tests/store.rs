//! The store's contract, on every available backend (SQLite always; PostgreSQL when
//! `SCOPEGATE_TEST_POSTGRES_URL` is set, see `common/stores.rs`): the seed, migrations, atomic
//! multi-row writes, lookups that stay inside their organization or project, and credentials
//! stored only as hashes.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::time::Duration;

use common::stores::{Place, TestStore, required_postgres_server, stores};
use scopegate_demo::admin;
use scopegate_demo::model::{
    Credential, IdOrSlug, MemberRemoval, NewDashboard, NewDeletionJob, NewOrgAuthToken, NewSavedSearch,
    NewUserToken, Organization, OrganizationUpdate, Role, TeamJoin, TeamJoinRule, Visibility,
};
use scopegate_demo::store::{
    DataStore, PostgresStore, SCHEMA_VERSION, SESSION_IDLE_TIMEOUT, SESSION_LIFETIME, SESSION_TOUCH_INTERVAL,
    SUPERUSER_SESSION_LIFETIME, Store, StoreError,
};
use scopegate_demo::token::{Secret, TokenKind, hash};

fn acme(store: &dyn Store) -> Organization {
    store.organization(&IdOrSlug::parse("acme")).unwrap().unwrap()
}

/// Runs `check` on each backend's fresh store, naming the backend on stderr (shown on failure).
fn on_each_backend(check: impl Fn(&TestStore)) {
    for test in stores() {
        eprintln!("backend: {}", test.backend);
        check(&test);
    }
}

#[test]
fn seed_matches_the_readme() {
    on_each_backend(|t| {
        let store = &*t.store;
        let acme = acme(store);
        assert_eq!((acme.id, acme.slug.as_str()), (1, "acme"));
        assert!(acme.date_created.ends_with('Z') && acme.date_created.len() == 24, "{}", acme.date_created);
        let globex = store.organization(&IdOrSlug::Id(2)).unwrap().unwrap();
        assert_eq!(globex.slug, "globex");
        let settings = store.organization_settings(acme.id).unwrap();
        assert_eq!(settings.features, ["organizations:session-replay"]);
        assert!(!settings.granular_replay);
        assert!(settings.replay_access_members.is_empty() && settings.replay_access_teams.is_empty());

        let roles: Vec<(String, Role)> =
            store.members(acme.id).unwrap().into_iter().map(|m| (m.user.username, m.role)).collect();
        assert_eq!(
            roles,
            [("owner".into(), Role::Owner), ("admin".into(), Role::Admin), ("member".into(), Role::Member)]
        );
        let member = store.member_of(acme.id, 3).unwrap().unwrap();
        assert_eq!(
            (member.teams.as_slice(), member.team_slugs.as_slice()),
            (&[1][..], &["frontend".to_owned()][..])
        );
        assert!(store.member_of(acme.id, 1).unwrap().unwrap().teams.is_empty(), "the owner is in no team");
        assert!(store.member_of(globex.id, 3).unwrap().is_none(), "member is not in globex");
        assert!(store.user("staff").unwrap().unwrap().is_superuser);
        assert!(!store.user("owner").unwrap().unwrap().is_superuser);
        assert!(store.user("nobody").unwrap().is_none());

        let dashboard = store.dashboard(acme.id, 1).unwrap().unwrap();
        assert_eq!(dashboard.created_by, Some(3));
        assert_eq!(dashboard.widgets[0]["displayType"], "bar");
        let teams: Vec<(String, i64)> =
            store.teams(acme.id).unwrap().into_iter().map(|t| (t.slug, t.member_count)).collect();
        assert_eq!(teams, [("frontend".to_owned(), 1), ("backend".to_owned(), 1)]);
        let projects: Vec<String> = store.projects(acme.id).unwrap().into_iter().map(|p| p.slug).collect();
        assert_eq!(projects, ["web", "api"]);

        let replays = store.replays(acme.id, None).unwrap();
        assert_eq!(replays.len(), 4);
        assert!(replays.windows(2).all(|w| w[0].started_at >= w[1].started_at), "newest first");
        let first = store.replay(1, "a1b2c3d4e5f60718293a4b5c6d7e8f90").unwrap().unwrap();
        assert_eq!((first.duration, first.count_segments, first.urls.len()), (250, 3, 2));
        assert_eq!(first.started_at, "2025-06-02T09:00:00.000Z");
        let segments = store.recording_segments(&first.id).unwrap();
        assert_eq!(segments.iter().map(|s| s.segment_id).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(segments[0].date_added, "2025-06-02T09:00:05.000Z");
        assert_eq!(store.replays(acme.id, Some(2)).unwrap().len(), 1);
        assert_eq!(store.replays(globex.id, None).unwrap().len(), 1);
        let tokens = store.org_auth_tokens(acme.id).unwrap();
        assert_eq!((tokens.len(), tokens[0].scopes.as_slice()), (1, &["org:ci".to_owned()][..]));
        let viewers = store.replay_viewers(&first.id).unwrap();
        assert_eq!(
            (viewers[0].user.username.as_str(), viewers[0].viewed_at.as_str()),
            ("owner", "2025-06-02T12:00:00.000Z")
        );
    });
}

/// Every lookup scoped by organization or project answers `None` for an object of another one.
#[test]
fn lookups_stay_inside_their_organization_or_project() {
    on_each_backend(|t| {
        let store = &*t.store;
        let (acme, globex) = (1, 2);
        let acme_replay = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        let job = store
            .create_deletion_job(
                1,
                &NewDeletionJob {
                    range_start: "2020-01-01T00:00:00Z".into(),
                    range_end: "2020-01-02T00:00:00Z".into(),
                    environments: vec![],
                },
            )
            .unwrap();

        assert!(store.dashboard(acme, 1).unwrap().is_some());
        assert!(store.dashboard(globex, 1).unwrap().is_none());
        assert!(store.saved_search(acme, 1).unwrap().is_some());
        assert!(store.saved_search(globex, 1).unwrap().is_none());
        assert!(store.member(acme, 3).unwrap().is_some());
        assert!(store.member(globex, 3).unwrap().is_none());
        assert!(store.member_of(globex, 3).unwrap().is_none());
        assert!(store.team(acme, &IdOrSlug::parse("frontend")).unwrap().is_some());
        assert!(store.team(globex, &IdOrSlug::parse("frontend")).unwrap().is_none());
        assert!(store.team(globex, &IdOrSlug::Id(1)).unwrap().is_none());
        assert!(store.project(acme, &IdOrSlug::parse("web")).unwrap().is_some());
        assert!(store.project(globex, &IdOrSlug::parse("web")).unwrap().is_none());
        assert!(store.project(globex, &IdOrSlug::Id(1)).unwrap().is_none());
        assert!(store.organization_replay(acme, acme_replay).unwrap().is_some());
        assert!(store.organization_replay(globex, acme_replay).unwrap().is_none());
        assert!(store.replay(1, acme_replay).unwrap().is_some());
        assert!(store.replay(2, acme_replay).unwrap().is_none(), "another project of the same organization");
        assert!(store.replay(3, acme_replay).unwrap().is_none());
        assert!(store.deletion_job(1, job.id).unwrap().is_some());
        assert!(store.deletion_job(3, job.id).unwrap().is_none());
        assert!(store.recording_segment(acme_replay, 2).unwrap().is_some());
        assert!(store.recording_segment(acme_replay, 3).unwrap().is_none());

        // Writes of another organization's objects change nothing.
        assert!(!store.delete_dashboard(globex, 1).unwrap());
        assert!(!store.delete_saved_search(globex, 1).unwrap());
        assert!(!store.delete_org_auth_token(globex, 1).unwrap());
        assert!(!store.delete_replay(3, acme_replay).unwrap());
        let update = scopegate_demo::model::DashboardUpdate { title: Some("x".into()), widgets: None };
        assert!(store.update_dashboard(globex, 1, &update).unwrap().is_none());
        assert_eq!(store.dashboard(acme, 1).unwrap().unwrap().title, "Frontend health");
        assert_eq!(store.remove_member(globex, 3).unwrap(), MemberRemoval::NotFound);
        assert!(store.member(acme, 3).unwrap().is_some());
    });
}

#[test]
fn reopening_migrates_nothing_and_seeds_once() {
    on_each_backend(|t| {
        let store = &*t.store;
        let new = NewDashboard { title: "Kept".into(), widgets: serde_json::json!([]), created_by: Some(1) };
        let kept = store.create_dashboard(1, &new).unwrap();
        assert_eq!(kept.id, 4, "new rows are numbered after the seeded ones");
        let reopened = common::stores::off_runtime(|| t.database.open()).unwrap();
        assert_eq!(reopened.dashboards(1).unwrap().len(), 3, "reopening keeps data");
        assert_eq!(reopened.org_auth_tokens(1).unwrap().len(), 1, "reopening does not seed again");
        assert_eq!(reopened.members(1).unwrap().len(), 3);
    });
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn postgres_schema_is_versioned_and_a_newer_one_refused() {
    let server = required_postgres_server();
    let t = TestStore::postgres(&server);
    let Place::Postgres(db) = &t.place else { unreachable!() };
    let store = common::stores::off_runtime(|| PostgresStore::open(&db.url)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    db.with_client(|c| {
        let versions: Vec<i32> = c
            .query("SELECT version FROM schema_version ORDER BY version", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(versions, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());
        c.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(SCHEMA_VERSION as i32 + 1)])
            .unwrap();
    });
    match common::stores::off_runtime(|| PostgresStore::open(&db.url)) {
        Err(StoreError::Backend(msg)) => assert!(msg.contains("newer"), "{msg}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A version 1 database (before sessions expired) is brought to the current version; its sessions
/// count as last used when they were opened.
#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn postgres_version_1_databases_migrate() {
    let server = required_postgres_server();
    let db = common::stores::PgDatabase::create(&server);
    db.with_client(|c| {
        let mut tx = c.transaction().unwrap();
        tx.batch_execute(include_str!("../src/store/postgres_schema_v1.sql")).unwrap();
        tx.batch_execute(
            "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); \
             INSERT INTO schema_version (version) VALUES (1); \
             INSERT INTO users (username, name, email) VALUES ('member', 'Mia', 'mia@example'); \
             INSERT INTO sessions (token_hash, user_id) SELECT 'old', id FROM users",
        )
        .unwrap();
        tx.commit().unwrap();
    });
    let store = common::stores::off_runtime(|| PostgresStore::open(&db.url)).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(matches!(
        store.credential(TokenKind::Session, "old").unwrap(),
        Some(Credential::Session { needs_touch: false, .. })
    ));
    assert!(store.organization(&IdOrSlug::parse("acme")).unwrap().is_none(), "an upgrade seeds nothing");
    drop(store);
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn postgres_opens_concurrently_and_migrates_once() {
    let server = required_postgres_server();
    let db = common::stores::PgDatabase::create(&server);
    let stores: Vec<_> = std::thread::scope(|s| {
        let opening: Vec<_> = (0..4).map(|_| s.spawn(|| PostgresStore::open(&db.url))).collect();
        opening.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
    });
    for store in &stores {
        assert_eq!(store.members(1).unwrap().len(), 3, "seeded once");
    }
    drop(stores);
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn postgres_store_can_be_dropped_on_an_async_thread() {
    let server = required_postgres_server();
    let t = TestStore::postgres(&server);
    let store = t.store.clone();
    drop(t.store);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    // A service drops its state (and the store) on an async thread when it stops.
    runtime.block_on(async move { drop(store) });
}

#[test]
fn replay_settings_round_trip_atomically() {
    on_each_backend(|t| {
        let store = &*t.store;
        let org = acme(store).id;
        let update = OrganizationUpdate {
            name: Some("Acme Inc".into()),
            granular_replay: Some(true),
            replay_access_members: Some(vec![1, 1]),
            replay_access_teams: Some(vec![1]),
            ..OrganizationUpdate::default()
        };
        assert_eq!(store.update_organization(org, &update).unwrap().name, "Acme Inc");
        let settings = store.organization_settings(org).unwrap();
        assert!(settings.granular_replay);
        assert_eq!((settings.replay_access_members, settings.replay_access_teams), (vec![1], vec![1]));

        // gina (4) is not an acme member and team 3 is globex's: the whole update is refused.
        for bad in [
            OrganizationUpdate {
                name: Some("Changed".into()),
                replay_access_members: Some(vec![3, 4]),
                ..Default::default()
            },
            OrganizationUpdate {
                granular_replay: Some(false),
                replay_access_teams: Some(vec![3]),
                ..Default::default()
            },
        ] {
            assert!(matches!(store.update_organization(org, &bad), Err(StoreError::Invalid(_))));
        }
        assert_eq!(acme(store).name, "Acme Inc");
        let settings = store.organization_settings(org).unwrap();
        assert!(settings.granular_replay);
        assert_eq!((settings.replay_access_members, settings.replay_access_teams), (vec![1], vec![1]));

        let clear = OrganizationUpdate { replay_access_members: Some(vec![]), ..Default::default() };
        store.update_organization(org, &clear).unwrap();
        assert!(store.organization_settings(org).unwrap().replay_access_members.is_empty());

        let taken = OrganizationUpdate { slug: Some("globex".into()), ..Default::default() };
        assert!(matches!(store.update_organization(org, &taken), Err(StoreError::Conflict(_))));
        let same = OrganizationUpdate {
            slug: Some("acme".into()),
            open_membership: Some(false),
            ..Default::default()
        };
        assert!(!store.update_organization(org, &same).unwrap().open_membership);
        let nowhere = OrganizationUpdate { name: Some("x".into()), ..Default::default() };
        assert!(matches!(store.update_organization(99, &nowhere), Err(StoreError::Invalid(_))));

        assert!(store.set_feature(org, "organizations:session-replay", false).unwrap());
        assert!(!store.set_feature(org, "organizations:session-replay", false).unwrap());
        assert!(store.organization_settings(org).unwrap().features.is_empty());
        assert!(store.set_feature(org, "organizations:b", true).unwrap());
        assert!(store.set_feature(org, "organizations:a", true).unwrap());
        assert!(!store.set_feature(org, "organizations:a", true).unwrap());
        assert_eq!(
            store.organization_settings(org).unwrap().features,
            ["organizations:a", "organizations:b"]
        );
    });
}

/// Concurrent settings updates apply one after the other: every state anyone reads is one update
/// whole, never two allowlists merged.
#[test]
fn concurrent_settings_updates_never_mix() {
    on_each_backend(|t| {
        let versions = [(vec![1_i64], vec![1_i64]), (vec![2, 3], vec![2])];
        // Only the allowlists: no update of the organization's own row to serialise the writers.
        let update = |(members, teams): &(Vec<i64>, Vec<i64>)| OrganizationUpdate {
            replay_access_members: Some(members.clone()),
            replay_access_teams: Some(teams.clone()),
            ..Default::default()
        };
        let store = &*t.store;
        store.update_organization(1, &update(&versions[0])).unwrap();
        std::thread::scope(|s| {
            for version in &versions {
                let update = update(version);
                s.spawn(move || {
                    for _ in 0..150 {
                        store.update_organization(1, &update).unwrap();
                    }
                });
            }
            for read in 0..600 {
                let settings = store.organization_settings(1).unwrap();
                let seen = (settings.replay_access_members, settings.replay_access_teams);
                assert!(versions.contains(&seen), "read {read}: {seen:?} is no update whole");
            }
        });
    });
}

#[test]
fn tokens_are_stored_hashed() {
    on_each_backend(|t| {
        let store = &*t.store;
        let registry = scopegate::Registry::global();
        let user_secret =
            admin::create_user_token(store, registry, "acme", "member", "org:read,event:read").unwrap();
        let org_secret = admin::create_org_token(store, registry, "acme", "event:read").unwrap();
        let session = admin::create_session(store, "member", false).unwrap();

        let stored = t.stored_token_hashes();
        for secret in [&user_secret, &org_secret, &session] {
            assert!(stored.contains(&secret.hash()));
            assert!(!stored.iter().any(|h| h.contains(&secret.as_str()[4..])), "no secret is stored");
        }

        match store.credential(TokenKind::User, &hash(user_secret.as_str())).unwrap() {
            Some(Credential::UserToken { user, organization_id, scopes }) => {
                assert_eq!((user.username.as_str(), organization_id), ("member", 1));
                assert_eq!(scopes, ["org:read", "event:read"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store.credential(TokenKind::Org, &org_secret.hash()).unwrap(),
            Some(Credential::OrgToken { organization_id: 1, .. })
        ));
        assert!(matches!(
            store.credential(TokenKind::Session, &session.hash()).unwrap(),
            Some(Credential::Session { superuser: false, .. })
        ));
        // The wrong table, or a secret that was never issued, finds nothing.
        assert!(store.credential(TokenKind::Org, &user_secret.hash()).unwrap().is_none());
        let stranger = Secret::generate(TokenKind::User).unwrap();
        assert!(store.credential(TokenKind::User, &stranger.hash()).unwrap().is_none());
        // A user token only for an organization the user belongs to; a hash only once.
        assert!(matches!(
            store.create_user_token(
                2,
                &NewUserToken {
                    user_id: 3,
                    name: "x".into(),
                    scopes: vec!["org:read".into()],
                    hash: stranger.hash(),
                    last_characters: "abcd".into(),
                }
            ),
            Err(StoreError::Invalid(msg)) if msg.contains("not a member")
        ));
        assert!(matches!(store.create_session(3, false, &session.hash()), Err(StoreError::Conflict(_))));
        let created = store
            .create_org_auth_token(
                1,
                &NewOrgAuthToken {
                    name: "deploy".into(),
                    scopes: vec!["org:ci".into()],
                    created_by: Some(1),
                    hash: stranger.hash(),
                    last_characters: "wxyz".into(),
                },
            )
            .unwrap();
        assert_eq!(
            (created.name.as_str(), created.created_by, created.token_last_characters.as_str()),
            ("deploy", Some(1), "wxyz")
        );
        assert_eq!(store.org_auth_tokens(1).unwrap().last(), Some(&created));
        assert!(store.delete_org_auth_token(1, created.id).unwrap());
        assert!(store.credential(TokenKind::Org, &stranger.hash()).unwrap().is_none());
    });
}

/// The session's `needs_touch`, or `None` when the store refuses the session.
fn session_state(store: &dyn Store, hash: &str) -> Option<bool> {
    match store.credential(TokenKind::Session, hash).unwrap() {
        Some(Credential::Session { needs_touch, .. }) => Some(needs_touch),
        None => None,
        other => panic!("{other:?}"),
    }
}

#[test]
fn sessions_expire_when_idle_or_old_and_superuser_sessions_soon() {
    const MINUTE: Duration = Duration::from_secs(60);
    on_each_backend(|t| {
        let store = &*t.store;
        let session = admin::create_session(store, "member", false).unwrap().hash();
        assert_eq!(session_state(store, &session), Some(false), "fresh: nothing to record");

        // Used a while ago: still valid, and its use is due to be recorded; recording it renews it.
        t.backdate_session(&session, 2 * SESSION_TOUCH_INTERVAL, 2 * SESSION_TOUCH_INTERVAL);
        assert_eq!(session_state(store, &session), Some(true));
        store.touch_session(&session).unwrap();
        assert_eq!(session_state(store, &session), Some(false));

        // Idle too long; too old however recently used.
        t.backdate_session(&session, SESSION_IDLE_TIMEOUT + MINUTE, SESSION_IDLE_TIMEOUT - MINUTE);
        assert_eq!(session_state(store, &session), Some(true), "idle, but not for long enough");
        t.backdate_session(&session, SESSION_IDLE_TIMEOUT + MINUTE, SESSION_IDLE_TIMEOUT + MINUTE);
        assert_eq!(session_state(store, &session), None, "idle too long");
        t.backdate_session(&session, SESSION_LIFETIME + MINUTE, Duration::ZERO);
        assert_eq!(session_state(store, &session), None, "older than the lifetime");
        let facts = store.request_facts(Some((TokenKind::Session, &session)), None).unwrap();
        assert!(facts.credential.is_none(), "request_facts refuses it too");

        // An active superuser session lives minutes; a plain session of the same user far longer.
        let superuser = admin::create_session(store, "staff", true).unwrap().hash();
        let plain = admin::create_session(store, "staff", false).unwrap().hash();
        for hash in [&superuser, &plain] {
            t.backdate_session(hash, SUPERUSER_SESSION_LIFETIME - MINUTE, Duration::ZERO);
        }
        assert!(session_state(store, &superuser).is_some());
        for hash in [&superuser, &plain] {
            t.backdate_session(hash, SUPERUSER_SESSION_LIFETIME + MINUTE, Duration::ZERO);
        }
        assert_eq!(session_state(store, &superuser), None, "superuser mode expired");
        assert_eq!(session_state(store, &plain), Some(false));
    });
}

#[test]
fn revocations_hold_and_are_committed_when_they_return() {
    on_each_backend(|t| {
        let store = &*t.store;
        let registry = scopegate::Registry::global();
        let sessions: Vec<String> =
            (0..2).map(|_| admin::create_session(store, "member", false).unwrap().hash()).collect();
        let owners = admin::create_session(store, "owner", false).unwrap().hash();
        let tokens: Vec<String> = ["org:read", "event:read"]
            .into_iter()
            .map(|scopes| admin::create_user_token(store, registry, "acme", "member", scopes).unwrap().hash())
            .collect();
        let owners_token =
            admin::create_user_token(store, registry, "acme", "owner", "org:read").unwrap().hash();
        let org_token = admin::create_org_token(store, registry, "acme", "org:read").unwrap().hash();

        assert!(store.revoke_credential(TokenKind::Session, &sessions[0]).unwrap());
        assert!(!store.revoke_credential(TokenKind::Session, &sessions[0]).unwrap(), "already revoked");
        assert!(store.revoke_credential(TokenKind::User, &tokens[0]).unwrap());
        assert!(
            !store.revoke_credential(TokenKind::Session, &tokens[1]).unwrap(),
            "the kind picks the table"
        );
        assert!(matches!(store.revoke_credential(TokenKind::Org, &org_token), Err(StoreError::Invalid(_))));
        assert!(matches!(store.revoke_user_credentials(TokenKind::Org, 3), Err(StoreError::Invalid(_))));
        assert_eq!(
            store.revoke_user_credentials(TokenKind::Session, 3).unwrap(),
            1,
            "member's other session"
        );
        assert_eq!(store.revoke_user_credentials(TokenKind::User, 3).unwrap(), 1, "member's other token");

        // Seen by another connection as soon as the call returned (committed), and after reopening.
        let reopened = common::stores::off_runtime(|| t.database.open()).unwrap();
        for view in [store, &*reopened] {
            for hash in &sessions {
                assert!(view.credential(TokenKind::Session, hash).unwrap().is_none());
            }
            for hash in &tokens {
                assert!(view.credential(TokenKind::User, hash).unwrap().is_none());
            }
            assert!(
                view.credential(TokenKind::Session, &owners).unwrap().is_some(),
                "other users keep theirs"
            );
            assert!(view.credential(TokenKind::User, &owners_token).unwrap().is_some());
            assert!(view.credential(TokenKind::Org, &org_token).unwrap().is_some());
        }
    });
}

#[test]
fn request_facts_read_what_a_decision_needs() {
    on_each_backend(|t| {
        let store = &*t.store;
        let session = admin::create_session(store, "member", false).unwrap().hash();
        let acme = IdOrSlug::parse("acme");
        let facts = store.request_facts(Some((TokenKind::Session, &session)), Some(&acme)).unwrap();
        assert!(matches!(facts.credential, Some(Credential::Session { .. })));
        assert_eq!(facts.organization.map(|o| o.id), Some(1));
        assert_eq!(facts.member.map(|m| m.teams), Some(vec![1]));
        assert_eq!(facts.settings.map(|s| s.features), Some(vec!["organizations:session-replay".to_owned()]));
        // Not a member of globex; no organization named; an unknown organization; no credential.
        let globex =
            store.request_facts(Some((TokenKind::Session, &session)), Some(&IdOrSlug::Id(2))).unwrap();
        assert!(globex.member.is_none() && globex.settings.is_some());
        let none = store.request_facts(Some((TokenKind::Session, &session)), None).unwrap();
        assert!(none.credential.is_some() && none.organization.is_none() && none.settings.is_none());
        let unknown = store.request_facts(None, Some(&IdOrSlug::parse("initech"))).unwrap();
        assert!(unknown.credential.is_none() && unknown.organization.is_none());
        // A user token bound to acme is no membership in globex, even for globex's own members.
        let gina =
            admin::create_user_token(store, scopegate::Registry::global(), "globex", "gina", "org:read")
                .unwrap();
        let facts = store.request_facts(Some((TokenKind::User, &gina.hash())), Some(&acme)).unwrap();
        assert!(facts.member.is_none());
    });
}

#[test]
fn removing_a_member_cascades_and_keeps_an_owner() {
    on_each_backend(|t| {
        let store = &*t.store;
        let registry = scopegate::Registry::global();
        let org = acme(store).id;
        let secret = admin::create_user_token(store, registry, "acme", "member", "org:read").unwrap();
        store
            .update_organization(
                org,
                &OrganizationUpdate { replay_access_members: Some(vec![3]), ..Default::default() },
            )
            .unwrap();
        assert_eq!(store.remove_member(org, 3).unwrap(), MemberRemoval::Removed);
        assert!(store.member_of(org, 3).unwrap().is_none());
        assert!(store.organization_settings(org).unwrap().replay_access_members.is_empty());
        assert!(
            store.credential(TokenKind::User, &secret.hash()).unwrap().is_none(),
            "the token died with the membership"
        );
        assert_eq!(store.team(org, &IdOrSlug::parse("frontend")).unwrap().unwrap().member_count, 0);
        assert_eq!(
            store.saved_searches(org, Some(3)).unwrap().len(),
            1,
            "only the organization search is left"
        );
        assert_eq!(store.remove_member(org, 3).unwrap(), MemberRemoval::NotFound);
        assert_eq!(store.remove_member(org, 1).unwrap(), MemberRemoval::LastOwner);
    });
}

#[test]
fn team_membership_stays_inside_the_organization() {
    on_each_backend(|t| {
        let store = &*t.store;
        let any = TeamJoinRule::UNRESTRICTED;
        assert_eq!(store.add_team_member(1, 2, 3, any).unwrap(), TeamJoin::Added);
        assert_eq!(
            store.add_team_member(1, 2, 3, any).unwrap(),
            TeamJoin::AlreadyMember,
            "already in the team"
        );
        assert_eq!(store.member(1, 3).unwrap().unwrap().team_slugs, ["frontend", "backend"]);
        assert!(store.remove_team_member(1, 2, 3).unwrap());
        assert!(!store.remove_team_member(1, 2, 3).unwrap());
        // globex's team 3 with acme's member 3, under either organization: refused.
        assert!(matches!(store.add_team_member(1, 3, 3, any), Err(StoreError::Invalid(_))));
        assert!(matches!(store.add_team_member(2, 3, 3, any), Err(StoreError::Invalid(_))));
        // The caller's rule is checked against the stored state, in the writing transaction.
        let admin = TeamJoinRule { may_join_allowlisted: false, needs_open_membership: false };
        let self_join = TeamJoinRule { may_join_allowlisted: false, needs_open_membership: true };
        let allow = OrganizationUpdate { replay_access_teams: Some(vec![1]), ..Default::default() };
        store.update_organization(1, &allow).unwrap();
        assert_eq!(store.add_team_member(1, 1, 2, admin).unwrap(), TeamJoin::AllowlistedTeam);
        assert_eq!(store.add_team_member(1, 1, 2, any).unwrap(), TeamJoin::Added, "org:write may");
        assert_eq!(store.add_team_member(1, 2, 3, self_join).unwrap(), TeamJoin::Added, "open membership");
        assert!(store.remove_team_member(1, 2, 3).unwrap());
        let close = OrganizationUpdate { open_membership: Some(false), ..Default::default() };
        store.update_organization(1, &close).unwrap();
        assert_eq!(store.add_team_member(1, 2, 3, self_join).unwrap(), TeamJoin::ClosedMembership);
        assert_eq!(store.add_team_member(1, 2, 3, admin).unwrap(), TeamJoin::Added, "team:write may");
        assert_eq!(store.member(1, 2).unwrap().unwrap().team_slugs, ["frontend", "backend"]);
    });
}

#[test]
fn saved_searches_are_personal_or_shared() {
    on_each_backend(|t| {
        let store = &*t.store;
        let names = |viewer| -> Vec<String> {
            store.saved_searches(1, viewer).unwrap().into_iter().map(|s| s.name).collect()
        };
        assert_eq!(names(Some(3)), ["Unresolved errors", "Assigned to me"]);
        assert_eq!(names(Some(1)), ["Unresolved errors"]);
        assert_eq!(names(None), ["Unresolved errors"]);
        let personal_without_owner = NewSavedSearch {
            name: "x".into(),
            query: "".into(),
            visibility: Visibility::Owner,
            owner_id: None,
        };
        assert!(matches!(store.create_saved_search(1, &personal_without_owner), Err(StoreError::Invalid(_))));
        let mine = NewSavedSearch { owner_id: Some(2), ..personal_without_owner };
        let created = store.create_saved_search(1, &mine).unwrap();
        // Ids follow the seeded ones (PostgreSQL may skip the one the refused insert drew).
        assert!(created.id > 3, "{}", created.id);
        assert_eq!((created.visibility, created.owner_id), (Visibility::Owner, Some(2)));
        assert_eq!(store.saved_search(1, created.id).unwrap(), Some(created.clone()));
        assert!(store.delete_saved_search(1, created.id).unwrap());
        assert!(!store.delete_saved_search(1, created.id).unwrap());
    });
}

#[test]
fn dashboards_change_field_by_field() {
    on_each_backend(|t| {
        let store = &*t.store;
        let widgets = serde_json::json!([{"title": "p95", "displayType": "line", "limit": 5}]);
        let new = NewDashboard { title: "Latency".into(), widgets: widgets.clone(), created_by: None };
        let created = store.create_dashboard(1, &new).unwrap();
        assert_eq!(
            (created.title.as_str(), &created.widgets, created.created_by),
            ("Latency", &widgets, None)
        );
        let retitle =
            scopegate_demo::model::DashboardUpdate { title: Some("Latency (p95)".into()), widgets: None };
        let updated = store.update_dashboard(1, created.id, &retitle).unwrap().unwrap();
        assert_eq!((updated.title.as_str(), &updated.widgets), ("Latency (p95)", &widgets));
        let rewidget =
            scopegate_demo::model::DashboardUpdate { title: None, widgets: Some(serde_json::json!([])) };
        let updated = store.update_dashboard(1, created.id, &rewidget).unwrap().unwrap();
        assert_eq!((updated.title.as_str(), &updated.widgets), ("Latency (p95)", &serde_json::json!([])));
        assert!(store.update_dashboard(1, 99, &rewidget).unwrap().is_none());
        assert!(store.delete_dashboard(1, created.id).unwrap());
        assert!(store.dashboard(1, created.id).unwrap().is_none());
    });
}

#[test]
fn deletion_jobs_delete_in_range_atomically() {
    on_each_backend(|t| {
        let store = &*t.store;
        let job = NewDeletionJob {
            range_start: "2025-06-01T00:00:00Z".into(),
            range_end: "2025-06-04T00:00:00+00:00".into(),
            environments: vec!["production".into()],
        };
        let done = store.create_deletion_job(1, &job).unwrap();
        assert_eq!((done.status.as_str(), done.count_deleted), ("completed", 2));
        assert_eq!(done.range_start, "2025-06-01T00:00:00.000Z");
        assert_eq!(done.range_end, "2025-06-04T00:00:00.000Z");
        assert_eq!(done.environments, ["production"]);
        let left: Vec<String> =
            store.replays(1, Some(1)).unwrap().into_iter().map(|r| r.environment).collect();
        assert_eq!(left, ["staging"], "other environments and projects are kept");
        assert!(store.recording_segments("a1b2c3d4e5f60718293a4b5c6d7e8f90").unwrap().is_empty());
        assert_eq!(store.replays(2, None).unwrap().len(), 1, "globex is untouched");
        assert_eq!(store.deletion_job(1, done.id).unwrap(), Some(done.clone()));
        assert!(store.deletion_job(2, done.id).unwrap().is_none());

        // An offset is converted to UTC; every environment when none is named.
        let all = NewDeletionJob {
            range_start: "2025-06-04T10:15:00+02:00".into(),
            range_end: "2025-06-04T08:16:00Z".into(),
            environments: vec![],
        };
        let done_all = store.create_deletion_job(1, &all).unwrap();
        assert_eq!((done_all.range_start.as_str(), done_all.count_deleted), ("2025-06-04T08:15:00.000Z", 1));

        for (start, end) in [
            ("yesterday", "2025-06-04T00:00:00Z"),
            ("now", "2025-06-04T00:00:00Z"),
            ("2460000.5", "2025-06-04T00:00:00Z"),
            ("2025-06-01T00:00:00Z", "2025-13-45T00:00:00Z"),
            ("2025-06-04T00:00:00Z", "2025-06-01T00:00:00Z"),
        ] {
            let bad =
                NewDeletionJob { range_start: start.into(), range_end: end.into(), environments: vec![] };
            assert!(
                matches!(store.create_deletion_job(1, &bad), Err(StoreError::Invalid(_))),
                "{start} .. {end}"
            );
        }
        assert_eq!(
            store.deletion_jobs(1).unwrap().iter().map(|j| j.id).collect::<Vec<_>>(),
            [done_all.id, done.id],
            "refused jobs leave no row; newest first"
        );
    });
}

#[test]
fn replay_views_upsert() {
    on_each_backend(|t| {
        let store = &*t.store;
        let id = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        store.mark_replay_viewed(id, 3).unwrap();
        store.mark_replay_viewed(id, 3).unwrap();
        let viewers: Vec<String> =
            store.replay_viewers(id).unwrap().into_iter().map(|v| v.user.username).collect();
        assert_eq!(viewers, ["member", "owner"]);
        assert!(matches!(
            store.mark_replay_viewed("00000000000000000000000000000000", 3),
            Err(StoreError::Invalid(_))
        ));
        assert!(store.delete_replay(1, id).unwrap());
        assert!(store.replay_viewers(id).unwrap().is_empty(), "views go with the replay");
        assert!(!store.delete_replay(1, id).unwrap());
    });
}
