//! A PostgreSQL server of the test's own, to stop and start at will: the crash and restart tests
//! cannot do that to the shared server of `SCOPEGATE_TEST_POSTGRES_URL`, whose other databases
//! belong to tests running in parallel.
//!
//! It runs the binaries of the PostgreSQL installation that `.ci/postgres.sh` uses
//! (`/usr/lib/postgresql/*/bin`, the newest), in a temporary directory, on a free loopback port,
//! trusting local connections; as root, as the `postgres` user (PostgreSQL refuses root). Like the
//! shared server it is needed only where PostgreSQL tests are configured; there a missing
//! installation fails the test. Tests that use it are ignored without one (see
//! [`required_postgres_server`]).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::stores::{TempDir, required_postgres_server};

/// A running (or stopped) PostgreSQL server; stopped and deleted when dropped.
pub(crate) struct Cluster {
    bin: PathBuf,
    /// `runuser -u postgres --` as root, nothing otherwise.
    run_as: Vec<String>,
    dir: TempDir,
    options: String,
    port: u16,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub(crate) url: String,
}

/// The newest installed PostgreSQL's binaries.
fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version =
                entry.file_name().to_str()?.split('.').map(str::parse).collect::<Result<_, _>>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn check(what: &str, output: std::io::Result<Output>, log: &Path) {
    let output = output.unwrap_or_else(|e| panic!("{what}: {e}"));
    if !output.status.success() {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        panic!(
            "{what}: {}\n{}\n{}\nserver log:\n{log}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Cluster {
    /// Initialises and starts a server with `settings` (`name=value`, passed as `-c`).
    ///
    /// # Panics
    /// When PostgreSQL tests are not configured, or the server cannot be set up.
    pub(crate) fn start(settings: &[&str]) -> Cluster {
        required_postgres_server();
        let bin = binaries().unwrap_or_else(|| {
            panic!("no PostgreSQL installation in /usr/lib/postgresql/*/bin (.ci/postgres.sh installs one)")
        });
        let (dir, run_as) = if is_root() {
            // As .ci/postgres.sh does: under /tmp, which the server's user can reach, owned by the
            // package's `postgres` user or the one the script created when there was none.
            let user = ["postgres", "scopegate-postgres"]
                .into_iter()
                .find(|user| Command::new("id").args(["-u", user]).output().is_ok_and(|o| o.status.success()))
                .expect(
                    "as root the server runs as `postgres` (or `scopegate-postgres`), and neither exists",
                );
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let path = PathBuf::from(format!(
                "/tmp/scopegate-demo-cluster-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            let dir = TempDir(path);
            let chown = Command::new("chown").arg(user).arg(&dir.0).status().unwrap();
            assert!(chown.success(), "chown {user} {}", dir.0.display());
            (dir, ["runuser", "-u", user, "--"].map(String::from).to_vec())
        } else {
            (TempDir::new("cluster"), Vec::new())
        };
        let mut options = format!("-c listen_addresses=127.0.0.1 -k {}", dir.0.display());
        for setting in settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let port = free_port();
        let mut cluster = Cluster {
            bin,
            run_as,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres?connect_timeout=2"),
            port,
            dir,
            options,
        };
        let initdb = cluster
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "-D"])
            .arg(cluster.data())
            .output();
        check("initdb", initdb, &cluster.log());
        cluster.start_again();
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let mut command = if self.run_as.is_empty() {
            Command::new(self.bin.join(program))
        } else {
            let mut command = Command::new(&self.run_as[0]);
            command.args(&self.run_as[1..]).arg(self.bin.join(program));
            command
        };
        command.env("LC_ALL", "C");
        command
    }

    fn data(&self) -> PathBuf {
        self.dir.0.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.0.join("server.log")
    }

    /// Starts the stopped server on its port and waits until it accepts connections (recovery
    /// from a crash included).
    pub(crate) fn start_again(&mut self) {
        let options = format!("{} -p {}", self.options, self.port);
        let start = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output();
        check("pg_ctl start", start, &self.log());
    }

    /// Stops the server as a restart does (`pg_ctl stop -m fast`: open sessions are ended, their
    /// transactions rolled back, then a checkpoint).
    pub(crate) fn stop(&self) {
        let stop =
            self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "fast", "-w", "stop"]).output();
        check("pg_ctl stop -m fast", stop, &self.log());
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: every server process quits
    /// at once, nothing is flushed or checkpointed; the next start recovers from the WAL).
    pub(crate) fn crash(&self) {
        let stop = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        check("pg_ctl stop -m immediate", stop, &self.log());
    }

    /// Waits until the server accepts connections again (60 s at most).
    pub(crate) fn wait_ready(&self) -> Duration {
        let started = Instant::now();
        while postgres::Client::connect(&self.url, postgres::NoTls).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not come back");
            std::thread::sleep(Duration::from_millis(20));
        }
        started.elapsed()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}
