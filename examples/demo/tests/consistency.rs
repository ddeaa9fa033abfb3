//! One consistent view per request, on every available backend: everything a decision reads comes
//! from one state of the store. A writer moves the member out of a team and that team onto the
//! replay allowlist (and back), one committed change at a time; in no committed state is the member
//! both in the team and the team allowed. A reader that mixed two points in time (membership before
//! the first change, allowlist after the second) would see exactly that. SQLite reads under its one
//! connection's lock; PostgreSQL in one read-only `REPEATABLE READ` transaction. Through a serving
//! instance's snapshot cache, membership and settings come from one cached organization snapshot,
//! itself read in one such read.

#![allow(clippy::unwrap_used)]

mod common;

common::stores::postgres_half!();

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::stores::{TestStore, stores};
use scopegate_demo::admin;
use scopegate_demo::model::{IdOrSlug, OrganizationUpdate, TeamJoinRule};
use scopegate_demo::store::ServiceStore;
use scopegate_demo::token::TokenKind;

fn never_mixes_two_states(test: &TestStore, store: Arc<dyn ServiceStore>, reads: usize) {
    let session = admin::create_session(&*store, "member", false).unwrap().hash();
    let acme_key = IdOrSlug::Slug("acme".into());
    let acme = store.data().organization(&acme_key).unwrap().unwrap();
    let member = store.data().member_of(acme.id, 3).unwrap().unwrap();
    let frontend = 1;
    assert!(member.teams.contains(&frontend), "seeded: `member` is in frontend");
    let allow =
        |teams: Vec<i64>| OrganizationUpdate { replay_access_teams: Some(teams), ..Default::default() };
    store.update_organization(acme.id, &allow(vec![2])).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) {
                store.remove_team_member(acme.id, frontend, member.id).unwrap();
                store.update_organization(acme.id, &allow(vec![frontend])).unwrap();
                store.update_organization(acme.id, &allow(vec![2])).unwrap();
                store.add_team_member(acme.id, frontend, member.id, TeamJoinRule::UNRESTRICTED).unwrap();
                rounds += 1;
            }
            rounds
        })
    };
    let (mut in_team_reads, mut allowed_reads) = (0, 0);
    for read in 0..reads {
        let facts = store.request_facts(Some((TokenKind::Session, &session)), Some(&acme_key)).unwrap();
        let in_team = facts.member.as_ref().is_some_and(|m| m.teams.contains(&frontend));
        let allowed = facts.settings.as_ref().is_some_and(|s| s.replay_access_teams.contains(&frontend));
        assert!(!(in_team && allowed), "read {read}: a membership and an allowlist from two points in time");
        in_team_reads += usize::from(in_team);
        allowed_reads += usize::from(allowed);
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = writer.join().unwrap();
    assert!(rounds > 0, "the writer ran while the reader read");
    eprintln!(
        "{}: {reads} reads ({in_team_reads} in the team, {allowed_reads} with the team allowed), {rounds} write rounds",
        test.backend
    );
}

#[test]
fn a_request_never_mixes_two_states_of_the_store() {
    for test in stores() {
        // PostgreSQL reads over the network: fewer reads cover as many write rounds.
        let reads = if test.backend == "postgres" { 3_000 } else { 10_000 };
        never_mixes_two_states(&test, test.store.clone(), reads);
    }
}

/// The same through a serving instance's snapshot cache: the writer's changes evict the
/// organization, and each request takes membership and settings from one snapshot.
#[test]
fn a_request_through_the_snapshot_cache_never_mixes_two_states() {
    for test in stores() {
        let reads = if test.backend == "postgres" { 3_000 } else { 10_000 };
        let instance: Arc<dyn ServiceStore> = test.instance(Duration::from_secs(1));
        never_mixes_two_states(&test, instance, reads);
    }
}
