//! Shared by the tests that run the real `scopegate-demo` binary (crash and load tests) and by
//! the tests that run on every store backend ([`stores`]).

#![allow(dead_code, clippy::unwrap_used)]

pub(crate) mod cluster;
pub(crate) mod stores;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The demo binary serving `db` on a free loopback port; killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT/api/0`
    pub(crate) base: String,
    /// `http://127.0.0.1:PORT/metrics`, when started with `--metrics-addr`.
    pub(crate) metrics: Option<String>,
}

impl Server {
    /// Starts `scopegate-demo serve --db DB` (a SQLite file or a PostgreSQL URL) on `127.0.0.1:0`
    /// and waits (60 s at most) for the address it prints on start-up.
    pub(crate) fn start(db: impl AsRef<OsStr>) -> Server {
        Server::start_with(db, &[])
    }

    /// [`start`](Self::start) with more arguments for `serve` (e.g. `--cache-ttl`).
    pub(crate) fn start_with(db: impl AsRef<OsStr>, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate-demo"))
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn,scopegate_demo=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the addresses from the start-up lines (the metrics listener's comes first, when
        // there is one), then keeps draining the log.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                for (what, marker) in [("api", "listening on "), ("metrics", "serving metrics on ")] {
                    if let Some(at) = line.find(&format!("{marker}http://")) {
                        let url = &line[at + marker.len()..];
                        let _ = tx.send((what, url.split_whitespace().next().unwrap_or(url).to_string()));
                    }
                }
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut metrics = None;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
                Ok(("metrics", url)) => metrics = Some(url),
                Ok((_, url)) => {
                    return Server { child, base: url.trim_end_matches('/').to_string(), metrics };
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("scopegate-demo did not start within 60 s");
                }
            }
        }
    }

    /// SIGTERM, as a graceful shutdown: waits (30 s at most) for the process to exit, and
    /// returns whether it exited successfully.
    #[cfg(unix)]
    pub(crate) fn terminate(mut self) -> bool {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "scopegate-demo did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no shutdown code runs, whatever the server was doing.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The server's resident memory, in KiB.
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request: the status and JSON body, or `Err` when no answer came (connection refused or
/// reset: the instance is down).
pub(crate) async fn call(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    auth: &str,
    body: Option<serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    let mut request = http.request(method, format!("{base}{path}")).header("authorization", auth);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)))
}
