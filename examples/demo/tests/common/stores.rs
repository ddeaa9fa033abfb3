//! Each available store backend, fresh and seeded, for the tests that must hold on both.
//!
//! SQLite always runs (a file in a temporary directory). PostgreSQL runs when
//! `SCOPEGATE_TEST_POSTGRES_URL` names a server (e.g. `postgres://postgres@127.0.0.1:54329/postgres`,
//! a role that may create databases): each store gets a database of its own, dropped afterwards,
//! so tests run in parallel. Without the variable the PostgreSQL half is skipped with a note, and
//! each file that tests both backends reports one ignored test for it ([`postgres_half`]); tests
//! that only run on PostgreSQL are ignored with the reason. Under `CI` nothing is skipped: without a
//! server they fail.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use postgres::NoTls;
use scopegate_demo::store::{CachedStore, Database, Store};

/// The variable naming the PostgreSQL server the tests use.
pub(crate) const POSTGRES_URL_VAR: &str = "SCOPEGATE_TEST_POSTGRES_URL";

/// The PostgreSQL server to test against: `None` (after a note) when none is configured outside
/// CI.
///
/// # Panics
/// When none is configured and `CI` is set.
pub(crate) fn postgres_server() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => panic!(
            "PostgreSQL is required in CI: set {POSTGRES_URL_VAR} to a server's URL, e.g. \
             postgres://postgres@127.0.0.1:54329/postgres (.ci/postgres.sh starts one)"
        ),
        _ => {
            eprintln!(
                "note: {POSTGRES_URL_VAR} is not set, so the PostgreSQL half of this test is skipped \
                 (source .ci/postgres.sh to start a throwaway server)"
            );
            None
        }
    }
}

/// The PostgreSQL server of a test that needs one: such a test carries
/// `#[cfg_attr(not(scopegate_postgres_tests), ignore = "needs PostgreSQL: …")]` (see the demo's
/// `build.rs`), so it runs only where one is configured, or under `CI`.
///
/// # Panics
/// When none is configured: a test that runs without one fails, it never passes unchecked.
pub(crate) fn required_postgres_server() -> String {
    postgres_server().unwrap_or_else(|| {
        panic!("this test needs PostgreSQL: set {POSTGRES_URL_VAR} (source .ci/postgres.sh)")
    })
}

/// A test that stands for the PostgreSQL half of a file's tests on both backends ([`stores`]):
/// ignored, with the reason, when PostgreSQL tests are not configured, so a run without a server
/// reports that half as skipped rather than passed.
#[allow(unused_macros)] // used by the files that test both backends
macro_rules! postgres_half {
    () => {
        #[test]
        #[cfg_attr(
            not(scopegate_postgres_tests),
            ignore = "needs PostgreSQL: the PostgreSQL half of this file's tests is skipped without SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
        )]
        fn postgres_half_of_this_files_tests() {
            common::stores::required_postgres_server();
        }
    };
}
#[allow(unused_imports)]
pub(crate) use postgres_half;

/// Runs `f` on a thread of its own: the synchronous PostgreSQL client must not run on an async
/// runtime's worker thread, and async tests call this too.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
}

/// A database of its own on the test server, dropped (with any connection left) with the value.
pub(crate) struct PgDatabase {
    server: String,
    name: String,
    /// The URL of the new database.
    pub(crate) url: String,
}

impl PgDatabase {
    pub(crate) fn create(server: &str) -> PgDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("scopegate_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        off_runtime(|| {
            let mut admin = postgres::Client::connect(server, NoTls)
                .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VAR}={server}: {e:?}"));
            admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        });
        // A `dbname` parameter overrides the URL's path.
        let separator = if server.contains('?') { '&' } else { '?' };
        PgDatabase { url: format!("{server}{separator}dbname={name}"), server: server.to_owned(), name }
    }

    /// A connection of the test's own, e.g. to look at rows the store's API does not show.
    pub(crate) fn with_client<T: Send>(&self, f: impl FnOnce(&mut postgres::Client) -> T + Send) -> T {
        off_runtime(|| f(&mut postgres::Client::connect(&self.url, NoTls).unwrap()))
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        off_runtime(|| {
            if let Ok(mut admin) = postgres::Client::connect(&self.server, NoTls) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            }
        });
    }
}

/// A temporary directory, deleted with the value.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scopegate-demo-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test store keeps its data.
pub(crate) enum Place {
    Sqlite(TempDir),
    Postgres(PgDatabase),
}

/// A fresh, seeded store of one backend. Fields drop in order: the store closes before its
/// database goes.
pub(crate) struct TestStore {
    pub(crate) store: Arc<dyn Store>,
    /// What `--db` would say to reach the same data.
    pub(crate) database: Database,
    /// `"sqlite"` or `"postgres"`.
    pub(crate) backend: &'static str,
    pub(crate) place: Place,
}

impl TestStore {
    pub(crate) fn sqlite() -> TestStore {
        let dir = TempDir::new("store");
        let database = Database::Sqlite(dir.0.join("demo.sqlite3"));
        let store = database.open().unwrap();
        TestStore { store, database, backend: "sqlite", place: Place::Sqlite(dir) }
    }

    pub(crate) fn postgres(server: &str) -> TestStore {
        let db = PgDatabase::create(server);
        let database = Database::Postgres(db.url.clone());
        let store = off_runtime(|| database.open()).unwrap();
        TestStore { store, database, backend: "postgres", place: Place::Postgres(db) }
    }

    /// Another serving instance on the same data, as `serve --cache-ttl TTL` opens it: a
    /// [`CachedStore`] and, on PostgreSQL, its invalidation listener, once that listens (10 s at
    /// most).
    pub(crate) fn instance(&self, ttl: Duration) -> Arc<CachedStore> {
        let store = off_runtime(|| self.database.open_cached(ttl)).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !store.cache().is_listening() {
            assert!(std::time::Instant::now() < deadline, "the invalidation listener did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        store
    }

    /// Runs `sql` on the data directly, around every store (no notification, no eviction).
    pub(crate) fn execute_around(&self, sql: &str) {
        match &self.place {
            Place::Sqlite(dir) => {
                rusqlite::Connection::open(dir.0.join("demo.sqlite3")).unwrap().execute_batch(sql).unwrap();
            }
            Place::Postgres(db) => db.with_client(|c| c.batch_execute(sql).unwrap()),
        }
    }

    /// Backdates the session whose secret hashes to `hash`: created `created_ago`, last used
    /// `last_seen_ago` (as time passing would).
    pub(crate) fn backdate_session(&self, hash: &str, created_ago: Duration, last_seen_ago: Duration) {
        let (created, seen) = (created_ago.as_secs(), last_seen_ago.as_secs());
        let changed = match &self.place {
            Place::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.0.join("demo.sqlite3")).unwrap();
                conn.execute(
                    "UPDATE sessions SET date_created = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?2), \
                     last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3) WHERE token_hash = ?1",
                    rusqlite::params![hash, format!("-{created} seconds"), format!("-{seen} seconds")],
                )
                .unwrap() as u64
            }
            Place::Postgres(db) => db.with_client(|c| {
                c.execute(
                    "UPDATE sessions SET date_created = now() - make_interval(secs => $2), \
                     last_seen_at = now() - make_interval(secs => $3) WHERE token_hash = $1",
                    &[&hash, &(created as f64), &(seen as f64)],
                )
                .unwrap()
            }),
        };
        assert_eq!(changed, 1, "no session with that hash");
    }

    /// Every hash of a credential secret stored in the database, read around the store.
    pub(crate) fn stored_token_hashes(&self) -> Vec<String> {
        const SQL: &str = "SELECT token_hash FROM user_tokens UNION ALL SELECT token_hash FROM org_auth_tokens \
                           UNION ALL SELECT token_hash FROM sessions";
        match &self.place {
            Place::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.0.join("demo.sqlite3")).unwrap();
                let mut stmt = conn.prepare(SQL).unwrap();
                stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
            }
            Place::Postgres(db) => {
                db.with_client(|c| c.query(SQL, &[]).unwrap().iter().map(|r| r.get(0)).collect())
            }
        }
    }
}

/// Each available backend's fresh, seeded store: SQLite, then PostgreSQL when configured.
pub(crate) fn stores() -> Vec<TestStore> {
    let mut stores = vec![TestStore::sqlite()];
    if let Some(server) = postgres_server() {
        stores.push(TestStore::postgres(&server));
    }
    stores
}
