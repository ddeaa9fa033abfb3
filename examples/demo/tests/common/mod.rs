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
        // Reads the address from the start-up line, then keeps draining the log.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("listening on http://") {
                    let url = &line[at + "listening on ".len()..];
                    let _ = tx.send(url.split_whitespace().next().unwrap_or(url).to_string());
                }
            }
        });
        let Ok(url) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("scopegate-demo did not start within 60 s");
        };
        Server { child, base: url.trim_end_matches('/').to_string() }
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
