//! A database that restarts under load: the `scopegate-demo` binary serves a PostgreSQL server of
//! the test's own ([`Cluster`]) to a few clients whose every request needs a fresh read (the
//! credential is read from the database on each request), and the server is stopped
//! (`pg_ctl stop -m fast`, as a restart does), kept down for [`DOWN`], and started again.
//!
//! * Requests fail closed: every answer is a 200 or a 503 `database_unavailable` (with
//!   `Retry-After`), never a 5xx of another kind, and no request sent while the server was down is
//!   answered 200 before it is back.
//! * Service resumes on its own: every request sent [`RESUME_BOUND`] after the server accepts
//!   connections again is answered 200 (the pool replaces its dead connections; the instance's
//!   invalidation listener reconnects with backoff and bypasses its cache until it does).

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Server;
use common::cluster::Cluster;
use scopegate_demo::admin;
use scopegate_demo::store::Database;

/// How long the database stays down: longer than the store's connection checkout timeout (3 s),
/// so that requests waiting for a connection give up with a 503 rather than wait it out.
const DOWN: Duration = Duration::from_secs(4);
/// The stated bound: how soon after the database is back every request succeeds again.
const RESUME_BOUND: Duration = Duration::from_secs(2);
const CLIENTS: usize = 4;
const PATHS: [&str; 2] = ["/organizations/acme/", "/organizations/acme/members/"];

/// One answer: when its request was sent and answered (since the start), its status (0: no
/// answer) and error code.
#[derive(Debug)]
struct Answer {
    sent: Duration,
    answered: Duration,
    status: u16,
    code: String,
    retry_after: bool,
}

#[test]
#[cfg_attr(
    not(scopegate_postgres_tests),
    ignore = "needs PostgreSQL: set SCOPEGATE_TEST_POSTGRES_URL (source .ci/postgres.sh)"
)]
fn a_database_restart_under_load_fails_closed_and_service_resumes_on_its_own() {
    let mut cluster = Cluster::start(&["fsync=off"]);
    let owner = {
        let store = Database::Postgres(cluster.url.clone()).open().unwrap();
        format!("Session {}", admin::create_session(&*store, "owner", false).unwrap().as_str())
    };
    let server = Server::start(&cluster.url);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (http, base, owner) = (http.clone(), server.base.clone(), owner.clone());
            let (answers, stop) = (Arc::clone(&answers), Arc::clone(&stop));
            runtime.spawn(async move {
                let mut i = client;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let sent = started.elapsed();
                    let request =
                        http.get(format!("{base}{}", PATHS[i % PATHS.len()])).header("authorization", &owner);
                    let (status, code, retry_after) = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let retry_after = response.headers().contains_key("retry-after");
                            let body: serde_json::Value = response.json().await.unwrap_or_default();
                            (status, body["error"].as_str().unwrap_or_default().to_owned(), retry_after)
                        }
                        Err(_) => (0, String::new(), false),
                    };
                    answers.lock().unwrap().push(Answer {
                        sent,
                        answered: started.elapsed(),
                        status,
                        code,
                        retry_after,
                    });
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(1));
    cluster.stop();
    let down_at = started.elapsed();
    std::thread::sleep(DOWN);
    let restart_at = started.elapsed();
    cluster.start_again();
    let up_at = started.elapsed();
    std::thread::sleep(RESUME_BOUND + Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        runtime.block_on(client).unwrap();
    }
    drop(server);

    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let count = |f: &dyn Fn(&Answer) -> bool| answers.iter().filter(|a| f(a)).count();
    let others: Vec<&Answer> = answers.iter().filter(|a| a.status != 200 && a.status != 503).collect();
    assert!(others.is_empty(), "answers other than 200 and 503: {others:#?}");
    let unexplained: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == 503 && (a.code != "database_unavailable" || !a.retry_after))
        .collect();
    assert!(unexplained.is_empty(), "503 without its reason: {unexplained:#?}");
    let served_while_down: Vec<&Answer> =
        answers.iter().filter(|a| a.status == 200 && a.sent > down_at && a.answered < restart_at).collect();
    assert!(served_while_down.is_empty(), "200 while the database was down: {served_while_down:#?}");
    let failed_closed = count(&|a| a.status == 503);
    assert!(failed_closed > 0, "no request met the outage: {answers:#?}");
    let late: Vec<&Answer> =
        answers.iter().filter(|a| a.sent > up_at + RESUME_BOUND && a.status != 200).collect();
    assert!(late.is_empty(), "not resumed within {RESUME_BOUND:?} of the restart: {late:#?}");
    let resumed = answers
        .iter()
        .filter(|a| a.sent >= up_at && a.status == 200)
        .map(|a| a.answered.saturating_sub(up_at))
        .min()
        .unwrap();
    let failed_after_restart = count(&|a| a.status != 200 && a.answered > up_at);
    let slowest_503 = answers.iter().filter(|a| a.status == 503).map(|a| a.answered - a.sent).max().unwrap();
    eprintln!(
        "restart under load: {} requests; database down {:?} (stop {:?}, start {:?}); {failed_closed} answered 503 \
         (slowest after {slowest_503:?}), none 200 while down; first 200 of a request sent after the restart \
         {resumed:?} after it; {failed_after_restart} failures answered after it",
        answers.len(),
        up_at - down_at,
        down_at,
        up_at,
    );
}
