//! Per-instance organization snapshots (`store::CachedStore`), on every available backend: an
//! instance serves an organization's state from its cache, reads its own writes at once, learns of
//! other instances' writes by PostgreSQL notification, is bounded by the TTL for changes nobody
//! announced, flushes and re-listens when its listener's connection dies, and never caches
//! credentials (a revocation fails everywhere at once).

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::time::{Duration, Instant};

use common::stores::{TestStore, required_postgres_server, stores};
use scopegate_demo::admin;
use scopegate_demo::model::{IdOrSlug, MemberRemoval, OrganizationUpdate, TeamJoin, TeamJoinRule};
use scopegate_demo::store::{CachedStore, OrganizationWrites, RequestFacts, ServiceStore};
use scopegate_demo::token::TokenKind;

const ACME: i64 = 1;
const MEMBER_USER: i64 = 3;
const MEMBER_ID: i64 = 3;
const FRONTEND: i64 = 1;
const BACKEND: i64 = 2;

/// Long enough that only an eviction explains a change seen within a test.
const LONG_TTL: Duration = Duration::from_secs(60);

fn acme() -> IdOrSlug {
    IdOrSlug::Slug("acme".into())
}

fn facts(store: &dyn ServiceStore, session: &str) -> RequestFacts {
    store.request_facts(Some((TokenKind::Session, session)), Some(&acme())).unwrap()
}

fn allowed_members(store: &dyn ServiceStore, session: &str) -> Vec<i64> {
    facts(store, session).settings.unwrap().replay_access_members
}

fn allow_members(users: Vec<i64>) -> OrganizationUpdate {
    OrganizationUpdate { replay_access_members: Some(users), ..Default::default() }
}

/// Polls `check` on `store` until it holds; how long that took (panics after `limit`).
fn time_until(limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "not seen within {limit:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
    start.elapsed()
}

#[test]
fn an_instance_serves_snapshots_from_its_cache_and_reads_its_own_writes() {
    for test in stores() {
        let instance = test.instance(LONG_TTL);
        let session = admin::create_session(&*instance, "member", false).unwrap().hash();
        assert_eq!(allowed_members(&*instance, &session), Vec::<i64>::new());
        let (hits, misses) = instance.cache().hits_and_misses();
        for _ in 0..10 {
            facts(&*instance, &session);
        }
        assert_eq!(
            instance.cache().hits_and_misses(),
            (hits + 10, misses),
            "{}: served from the cache",
            test.backend
        );

        // Every write that changes a snapshot, through the instance: seen by its next request.
        instance.update_organization(ACME, &allow_members(vec![MEMBER_USER])).unwrap();
        assert_eq!(allowed_members(&*instance, &session), vec![MEMBER_USER], "{}", test.backend);
        instance.remove_team_member(ACME, FRONTEND, MEMBER_ID).unwrap();
        assert!(!facts(&*instance, &session).member.unwrap().teams.contains(&FRONTEND), "{}", test.backend);
        instance.add_team_member(ACME, BACKEND, MEMBER_ID, TeamJoinRule::UNRESTRICTED).unwrap();
        assert!(facts(&*instance, &session).member.unwrap().teams.contains(&BACKEND), "{}", test.backend);
        instance.set_feature(ACME, "organizations:session-replay", false).unwrap();
        assert!(facts(&*instance, &session).settings.unwrap().features.is_empty(), "{}", test.backend);
        assert_eq!(instance.remove_member(ACME, MEMBER_ID).unwrap(), MemberRemoval::Removed);
        assert!(facts(&*instance, &session).member.is_none(), "{}: the removed member", test.backend);
    }
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn a_write_through_one_instance_reaches_the_others_by_notification() {
    let test = TestStore::postgres(&required_postgres_server());
    let (writer, reader) = (test.instance(LONG_TTL), test.instance(LONG_TTL));
    let session = admin::create_session(&*writer, "member", false).unwrap().hash();
    type Change = (&'static str, fn(&CachedStore), fn(&RequestFacts) -> bool);
    let changes: [Change; 5] = [
        (
            "allowlist",
            |s| drop(s.update_organization(ACME, &allow_members(vec![MEMBER_USER])).unwrap()),
            |f| f.settings.as_ref().unwrap().replay_access_members == [MEMBER_USER],
        ),
        (
            "feature",
            |s| assert!(s.set_feature(ACME, "organizations:session-replay", false).unwrap()),
            |f| f.settings.as_ref().unwrap().features.is_empty(),
        ),
        (
            "team join",
            |s| {
                assert_eq!(
                    s.add_team_member(ACME, BACKEND, MEMBER_ID, TeamJoinRule::UNRESTRICTED).unwrap(),
                    TeamJoin::Added
                )
            },
            |f| f.member.as_ref().unwrap().teams.contains(&BACKEND),
        ),
        (
            "team leave",
            |s| assert!(s.remove_team_member(ACME, FRONTEND, MEMBER_ID).unwrap()),
            |f| !f.member.as_ref().unwrap().teams.contains(&FRONTEND),
        ),
        (
            "member removal",
            |s| assert_eq!(s.remove_member(ACME, MEMBER_ID).unwrap(), MemberRemoval::Removed),
            |f| f.member.is_none(),
        ),
    ];
    for (what, change, seen) in changes {
        assert!(!seen(&facts(&*reader, &session)), "{what}: not yet");
        change(&writer);
        let took = time_until(Duration::from_secs(1), || seen(&facts(&*reader, &session)));
        eprintln!("{what}: seen by the other instance after {took:?}");
    }
}

#[test]
fn the_ttl_bounds_changes_nobody_announced() {
    for test in stores() {
        let ttl = Duration::from_millis(800);
        let instance = test.instance(ttl);
        let session = admin::create_session(&*instance, "member", false).unwrap().hash();
        let warmed = Instant::now();
        assert!(!facts(&*instance, &session).settings.unwrap().granular_replay);
        // Around every store, as another program would: no eviction, no notification.
        test.execute_around("UPDATE organizations SET granular_replay = TRUE WHERE id = 1");
        let committed = Instant::now();
        let stale = !facts(&*instance, &session).settings.unwrap().granular_replay;
        if warmed.elapsed() < ttl {
            assert!(stale, "{}: served from the cache until the TTL", test.backend);
        }
        time_until(ttl + Duration::from_millis(300), || {
            facts(&*instance, &session).settings.unwrap().granular_replay
        });
        assert!(committed.elapsed() <= ttl + Duration::from_millis(300), "{}", test.backend);
    }
}

#[test]
fn a_revoked_credential_fails_at_once_on_every_instance() {
    for test in stores() {
        let (a, b) = (test.instance(LONG_TTL), test.instance(LONG_TTL));
        let session = admin::create_session(&*a, "member", false).unwrap().hash();
        assert!(facts(&*b, &session).credential.is_some());
        assert!(a.data().revoke_credential(TokenKind::Session, &session).unwrap());
        assert!(facts(&*b, &session).credential.is_none(), "{}: revoked on the other instance", test.backend);
        assert!(facts(&*b, &session).member.is_none(), "{}: no credential, no membership", test.backend);
    }
}

/// The PostgreSQL backend's process id serving the listener of the test's database.
fn listener_pids(test: &TestStore) -> Vec<i32> {
    let common::stores::Place::Postgres(db) = &test.place else { unreachable!() };
    db.with_client(|c| {
        c.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    })
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn a_listener_that_loses_its_connection_stops_caching_and_flushes_when_back() {
    let test = TestStore::postgres(&required_postgres_server());
    let instance = test.instance(LONG_TTL);
    let session = admin::create_session(&*instance, "member", false).unwrap().hash();
    assert!(!facts(&*instance, &session).settings.unwrap().granular_replay);
    let pids = listener_pids(&test);
    assert_eq!(pids.len(), 1, "one listener");
    test.execute_around(&format!("SELECT pg_terminate_backend({})", pids[0]));
    time_until(Duration::from_secs(5), || !instance.cache().is_listening());
    // Changed while nobody listened, and never announced: the flush on reconnection shows it.
    test.execute_around("UPDATE organizations SET granular_replay = TRUE WHERE id = 1");
    time_until(Duration::from_secs(10), || instance.cache().is_listening());
    assert!(facts(&*instance, &session).settings.unwrap().granular_replay, "flushed on reconnection");
    // And it listens again: an announced change arrives.
    let other = test.instance(LONG_TTL);
    other.update_organization(ACME, &allow_members(vec![MEMBER_USER])).unwrap();
    time_until(Duration::from_secs(1), || allowed_members(&*instance, &session) == [MEMBER_USER]);
    assert_eq!(listener_pids(&test).len(), 2);
    drop((instance, other));
    // Dropping the instances ends their listeners.
    time_until(Duration::from_secs(5), || listener_pids(&test).is_empty());
}
