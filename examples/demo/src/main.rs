//! `scopegate-demo`: serve the demo API, create credentials, toggle features, and print or audit
//! the permission registry. See the demo's README.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use scopegate::shadow::Drain;
use scopegate::tighten::UsageStore;
use scopegate::{Date, Registry};
use scopegate_demo::model::IdOrSlug;
use scopegate_demo::store::{Database, ServiceStore, Store};
use scopegate_demo::tightening::gates::{GateProposal, gate_preview, parse_ids};
use scopegate_demo::tightening::{RollupSink, StoredUsage, parse_since};
use scopegate_demo::token::TokenKind;
use scopegate_demo::{AppState, admin};

#[derive(Debug, Parser)]
#[command(name = "scopegate-demo", version, about = "A small Sentry-like API guarded by scopegate.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Db {
    /// The database: a SQLite file (created and seeded when it does not exist) or a PostgreSQL
    /// URL, postgres://user[:password]@host[:port]/database (an existing database, migrated and
    /// seeded when empty).
    #[arg(long, value_name = "PATH|URL", default_value = "./scopegate-demo.sqlite3")]
    db: Database,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8000")]
        addr: SocketAddr,
        #[command(flatten)]
        db: Db,
        /// How long an organization's snapshot (settings, members, teams) may be served from this
        /// instance's cache: the bound on how late a change made elsewhere is enforced here, e.g.
        /// 1s, 250ms; 0 reads it from the database on every request.
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_ttl)]
        cache_ttl: Duration,
        #[command(flatten)]
        timeouts: Timeouts,
        /// Also serve Prometheus metrics (`scopegate_decisions_total`,
        /// `scopegate_would_break_total`) at http://ADDR/metrics, without authentication: bind it
        /// to an address only your monitoring reaches. Off unless given.
        #[arg(long, value_name = "ADDR")]
        metrics_addr: Option<SocketAddr>,
    },
    /// For each endpoint with a planned policy: whom removing its read-only exception would
    /// break, from the requests `serve` recorded (`safe` or `would_break`).
    TightenReport {
        #[command(flatten)]
        db: Db,
        /// The window: the last N days with today (e.g. 30d, at most 90d), or a first day
        /// YYYY-MM-DD.
        #[arg(long, value_name = "WINDOW", default_value = "30d")]
        since: String,
        /// json, or markdown for the pull request that removes an exception.
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
    },
    /// Before changing an organization's replay access settings: the members who used replays
    /// in the window and would lose access (printed as JSON).
    GatePreview {
        #[command(flatten)]
        db: Db,
        /// The organization (slug or id).
        #[arg(long)]
        org: String,
        /// Propose granular replay access turned on (without it, granular mode stays as it is).
        #[arg(long)]
        granular: bool,
        /// The proposed allowlist of users: user ids separated by commas ("" for nobody).
        /// Without it, the current list.
        #[arg(long, value_name = "IDS")]
        users: Option<String>,
        /// The proposed allowlist of teams: team ids separated by commas ("" for none). Without
        /// it, the current list.
        #[arg(long, value_name = "IDS")]
        teams: Option<String>,
        /// The window: the last N days with today (e.g. 30d, at most 90d), or a first day
        /// YYYY-MM-DD.
        #[arg(long, value_name = "WINDOW", default_value = "30d")]
        since: String,
    },
    /// Create or revoke auth tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Open or revoke login sessions.
    Session {
        #[command(subcommand)]
        command: SessionCommand,
    },
    /// Turn an organization's feature flags on or off.
    Feature {
        #[command(subcommand)]
        command: FeatureCommand,
    },
    /// Print every endpoint and its permission policy (json, md, html, openapi); see `registry --help`.
    #[command(disable_help_flag = true)]
    Registry {
        /// Arguments for scopegate's `registry` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Compare the permission policy with the committed baseline; see `audit --help`.
    #[command(disable_help_flag = true)]
    Audit {
        /// Arguments for scopegate's `audit` command.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// How long `serve` waits for a slow or idle client before it closes the connection.
#[derive(Clone, Copy, Debug, Args)]
struct Timeouts {
    /// How long a request's headers may take to arrive, counted from when the connection is ready
    /// for a request: from its opening, or, on a kept-alive connection, from the previous answer.
    /// So it is also how long an idle keep-alive connection stays open. E.g. 10s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    header_timeout: Duration,
    /// How long a request body may send nothing: a stalled body is answered 408 and its
    /// connection closed. E.g. 15s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_timeout)]
    body_timeout: Duration,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a user auth token (bound to one organization) or, with --org-token, an organization
    /// auth token. Prints the token as the last line.
    Create {
        #[command(flatten)]
        db: Db,
        /// The organization (slug or id).
        #[arg(long)]
        org: String,
        /// The user (username) the token acts for.
        #[arg(long, required_unless_present = "org_token", conflicts_with = "org_token")]
        user: Option<String>,
        /// Create an organization auth token instead of a user token.
        #[arg(long)]
        org_token: bool,
        /// Comma-separated scopes, e.g. org:read,event:read.
        #[arg(long)]
        scopes: String,
    },
    /// Revoke a user auth token, or every user auth token of a user. Durable once it returns.
    Revoke {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        target: RevokeTarget,
    },
}

/// Which credentials `revoke` revokes: exactly one of the two flags.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct RevokeTarget {
    /// The secret of the one to revoke, as `create` printed it.
    #[arg(long)]
    secret: Option<String>,
    /// Revoke every one of this user (username).
    #[arg(long)]
    user: Option<String>,
}

impl RevokeTarget {
    fn which(&self) -> admin::Revoke<'_> {
        match (&self.secret, &self.user) {
            (Some(secret), _) => admin::Revoke::Secret(secret),
            (None, user) => admin::Revoke::User(user.as_deref().unwrap_or_default()),
        }
    }
}

#[derive(Debug, Subcommand)]
enum SessionCommand {
    /// Open a login session for a user. Prints the session as the last line.
    Create {
        #[command(flatten)]
        db: Db,
        /// The user (username).
        #[arg(long)]
        user: String,
        /// Open an active superuser session (only for superusers, e.g. `staff`).
        #[arg(long)]
        superuser: bool,
    },
    /// Revoke a session, or every session of a user (sign out everywhere). Durable once it returns.
    Revoke {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        target: RevokeTarget,
    },
}

#[derive(Debug, Subcommand)]
enum FeatureCommand {
    /// Turn a feature flag on.
    Enable {
        #[command(flatten)]
        db: Db,
        /// The organization (slug or id).
        #[arg(long)]
        org: String,
        /// The flag, e.g. organizations:session-replay.
        name: String,
    },
    /// Turn a feature flag off.
    Disable {
        #[command(flatten)]
        db: Db,
        /// The organization (slug or id).
        #[arg(long)]
        org: String,
        /// The flag, e.g. organizations:session-replay.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the store, before any async runtime starts (the PostgreSQL client must not run on one).
fn open(db: &Db) -> Result<Arc<dyn Store>, String> {
    db.db.open().map_err(|e| e.to_string())
}

/// Opens a database that must exist already: the reports read what `serve` recorded there, and a
/// mistyped SQLite path must not create — and report on — a new, empty database.
fn open_existing(db: &Db) -> Result<Arc<dyn Store>, String> {
    if let Database::Sqlite(path) = &db.db
        && !path.exists()
    {
        return Err(format!("{}: no such database (give the --db that `serve` uses)", path.display()));
    }
    open(db)
}

fn run(command: Command) -> Result<ExitCode, String> {
    let registry = Registry::try_global().map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
        format!("the permission registry is invalid:\n{}", lines.join("\n"))
    })?;
    match command {
        Command::Serve { addr, db, cache_ttl, timeouts, metrics_addr } => {
            let store = db.db.open_cached(cache_ttl).map_err(|e| e.to_string())?;
            serve(addr, store, cache_ttl, timeouts, metrics_addr).map(|()| ExitCode::SUCCESS)
        }
        Command::TightenReport { db, since, format } => {
            let since = parse_since(&since, Date::today()).map_err(|e| format!("--since: {e}"))?;
            let store = open_existing(&db)?;
            print!("{}", tighten_report(registry, &StoredUsage(store.data()), since, format)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::GatePreview { db, org, granular, users, teams, since } => {
            let since = parse_since(&since, Date::today()).map_err(|e| format!("--since: {e}"))?;
            let proposal = GateProposal {
                granular: granular.then_some(true),
                users: users.as_deref().map(|u| parse_ids("--users", u)).transpose()?,
                teams: teams.as_deref().map(|t| parse_ids("--teams", t)).transpose()?,
            };
            let store = open_existing(&db)?;
            let preview = gate_preview(&*store, registry, &IdOrSlug::parse(&org), &proposal, since)
                .map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&preview).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command: TokenCommand::Create { db, org, user, org_token, scopes } } => {
            let store = open(&db)?;
            let secret = match user {
                Some(user) if !org_token => {
                    let secret = admin::create_user_token(&*store, registry, &org, &user, &scopes)
                        .map_err(|e| e.to_string())?;
                    println!("Created a user token for {user} in {org} with scopes {scopes}.");
                    secret
                }
                _ => {
                    let secret = admin::create_org_token(&*store, registry, &org, &scopes)
                        .map_err(|e| e.to_string())?;
                    println!("Created an organization token for {org} with scopes {scopes}.");
                    secret
                }
            };
            println!("Send it as `Authorization: Bearer <token>`; it is not shown again.");
            println!("{}", secret.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Session { command: SessionCommand::Create { db, user, superuser } } => {
            let store = open(&db)?;
            let secret = admin::create_session(&*store, &user, superuser).map_err(|e| e.to_string())?;
            let kind = if superuser { "an active superuser session" } else { "a session" };
            println!("Opened {kind} for {user}.");
            println!("Send it as `Authorization: Session <session>`; it is not shown again.");
            println!("{}", secret.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command: TokenCommand::Revoke { db, target } } => {
            revoke(&*open(&db)?, TokenKind::User, &target, "user token")
        }
        Command::Session { command: SessionCommand::Revoke { db, target } } => {
            revoke(&*open(&db)?, TokenKind::Session, &target, "session")
        }
        Command::Feature { command } => {
            let (db, org, name, enabled) = match command {
                FeatureCommand::Enable { db, org, name } => (db, org, name, true),
                FeatureCommand::Disable { db, org, name } => (db, org, name, false),
            };
            let store = open(&db)?;
            let changed = admin::set_feature(&*store, &org, &name, enabled).map_err(|e| e.to_string())?;
            let state = if enabled { "on" } else { "off" };
            let note = if changed { "" } else { " (it already was)" };
            println!("{name} is {state} for {org}{note}.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Registry { args } => Ok(scopegate_cli(registry, "registry", args)),
        Command::Audit { args } => Ok(scopegate_cli(registry, "audit", args)),
    }
}

fn revoke(
    store: &dyn ServiceStore,
    kind: TokenKind,
    target: &RevokeTarget,
    what: &str,
) -> Result<ExitCode, String> {
    let revoked = admin::revoke(store, kind, target.which()).map_err(|e| e.to_string())?;
    match &target.user {
        Some(user) => println!("Revoked {revoked} {what}{} of {user}.", if revoked == 1 { "" } else { "s" }),
        None => println!("Revoked the {what}."),
    }
    Ok(ExitCode::SUCCESS)
}

/// The formats of `tighten-report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// `{"since", "plans": [...]}`.
    Json,
    /// Tables to paste into a pull request.
    Markdown,
}

/// The `tighten-report` command's output: `scopegate::tighten::report` over the stored rollups,
/// rendered by `scopegate::tighten` (the demo keeps its own command for its `--db` and its
/// retention-bounded `--since`; `scopegate::cli::run_with_options` serves a service without one).
fn tighten_report(
    registry: &Registry,
    usage: &dyn UsageStore,
    since: Date,
    format: ReportFormat,
) -> Result<String, String> {
    let rows = usage.usage_since(since)?;
    let reports = scopegate::tighten::report(registry, &rows);
    Ok(match format {
        ReportFormat::Json => scopegate::tighten::to_json(&reports, since),
        ReportFormat::Markdown => scopegate::tighten::to_markdown(&reports, since),
    })
}

/// The `registry` and `audit` commands are scopegate's own (`scopegate::cli`).
fn scopegate_cli(registry: &Registry, command: &str, args: Vec<String>) -> ExitCode {
    // OpenAPI documents the base path the API is served under as its server.
    let defaults = scopegate::dump::OpenApiOptions {
        title: "scopegate demo API".into(),
        servers: vec![scopegate_demo::BASE_PATH.into()],
        ..Default::default()
    };
    scopegate::cli::run_with(registry, &defaults, std::iter::once(command.to_owned()).chain(args))
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM. A signal that cannot be watched is ignored.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
/// (<https://no-color.org>), as the Rust CLI ecosystem does.
fn colour(no_color: Option<&std::ffi::OsStr>, terminal: bool) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The longest `--cache-ttl` accepted: beyond it "bounded" would mean little.
const MAX_CACHE_TTL: Duration = Duration::from_secs(3600);

/// A `--cache-ttl`: a whole number of milliseconds (`250ms`) or seconds (`1s`), or `0`.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = parse_duration(text)?;
    if ttl > MAX_CACHE_TTL {
        return Err(format!(
            "`{}` is longer than the longest cache TTL, {}s",
            text.trim(),
            MAX_CACHE_TTL.as_secs()
        ));
    }
    Ok(ttl)
}

/// The longest connection timeout accepted.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// A `--header-timeout` or `--body-timeout`: as [`parse_ttl`], but not zero (a connection must
/// have some time) and at most an hour.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(format!(
            "`{}`: a timeout is more than 0 and at most {}s",
            text.trim(),
            MAX_TIMEOUT.as_secs()
        ));
    }
    Ok(timeout)
}

/// A whole number of milliseconds (`250ms`) or seconds (`1s`), or `0`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = match (text.strip_suffix("ms"), text.strip_suffix('s')) {
        (Some(ms), _) => (ms, 1),
        (None, Some(s)) => (s, 1000),
        (None, None) if text == "0" => ("0", 1),
        _ => return Err(format!("`{text}` is not a duration: write e.g. 1s, 250ms or 0")),
    };
    let millis = digits
        .parse::<u64>()
        .ok()
        .filter(|_| !digits.starts_with('+'))
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("`{text}` is not a duration: write e.g. 1s, 250ms or 0"))?;
    Ok(Duration::from_millis(millis))
}

/// How often `serve` moves the would-break events to the database.
const DRAIN_EVERY: Duration = Duration::from_secs(1);

/// Installs the Prometheus recorder for the `metrics` facade (scopegate's counters).
fn install_metrics() -> Result<metrics_exporter_prometheus::PrometheusHandle, String> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))
}

/// Serves the Prometheus text at `/metrics` on its own listener, without authentication.
async fn serve_metrics(
    listener: tokio::net::TcpListener,
    handle: metrics_exporter_prometheus::PrometheusHandle,
) {
    let app =
        axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let text = handle.render();
                async move {
                    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
                }
            }),
        );
    if let Err(e) = axum::serve(listener, app).await {
        tracing::warn!(error = %e, "the metrics listener stopped");
    }
}

fn serve(
    addr: SocketAddr,
    store: Arc<dyn ServiceStore>,
    cache_ttl: Duration,
    timeouts: Timeouts,
    metrics_addr: Option<SocketAddr>,
) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(colour(std::env::var_os("NO_COLOR").as_deref(), std::io::stdout().is_terminal()))
        .init();
    // Before the first decision, so that every one is counted.
    let metrics = metrics_addr.map(|addr| install_metrics().map(|handle| (addr, handle))).transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    // Requests the current policy allows and a planned one would deny go to the usage rollups
    // every second, on the drain's own thread (see `scopegate_demo::tightening`).
    let sink = RollupSink::new(Arc::clone(&store));
    let drain = Drain::spawn(Registry::global(), sink.clone(), DRAIN_EVERY);
    let served = runtime.block_on(async move {
        let state = AppState::with_registry(store, Registry::global());
        let registry = state.registry();
        let api = scopegate_demo::api(&state);
        // Refuse to start when a declared endpoint is not mounted: it would be unreachable.
        let unmounted = api.unmounted();
        if !unmounted.is_empty() {
            let lines: Vec<String> = unmounted
                .iter()
                .map(|e| format!("  - {} {} ({})", e.method(), e.path(), e.handler()))
                .collect();
            return Err(format!("declared endpoints that no route serves:\n{}", lines.join("\n")));
        }
        let router = api.with_state(state);
        if let Some((metrics_addr, handle)) = metrics {
            let listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .map_err(|e| format!("cannot listen on {metrics_addr} for metrics: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!("scopegate-demo serving metrics on http://{local}/metrics");
            tokio::spawn(serve_metrics(listener, handle));
        }
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(
            endpoints = registry.len(),
            cache_ttl_ms = cache_ttl.as_millis() as u64,
            header_timeout_ms = timeouts.header_timeout.as_millis() as u64,
            body_timeout_ms = timeouts.body_timeout.as_millis() as u64,
            "scopegate-demo listening on http://{local}{}/",
            scopegate_demo::BASE_PATH
        );
        serve_connections(listener, router, timeouts).await;
        Ok(())
    });
    // Every request has been answered: the drain's last batch, and what the database refused
    // before (the sink's `flush`, which the drain calls after it).
    drain.shutdown();
    if sink.pending() > 0 {
        tracing::warn!(rows = sink.pending(), "the last usage rollups could not be written");
    }
    if served.is_ok() {
        tracing::info!("scopegate-demo stopped");
    }
    served
}

/// Accepts connections until Ctrl-C or SIGTERM, each served by hyper's HTTP/1 connection with
/// the header-read timeout and tower-http's request-body timeout; then lets the open connections
/// finish their requests (as `axum::serve`'s graceful shutdown does).
async fn serve_connections(
    listener: tokio::net::TcpListener,
    router: scopegate::axum::ApiService,
    timeouts: Timeouts,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let service =
        TowerToHyperService::new(tower_http::timeout::RequestBodyTimeout::new(router, timeouts.body_timeout));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(timeouts.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // E.g. out of file descriptors: wait for some to be freed, as axum::serve does.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            // A client that went away or timed out: nothing to answer, nothing to report.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::{colour, parse_timeout, parse_ttl};
    use std::time::Duration;

    #[test]
    fn cache_ttl_forms() {
        assert_eq!(parse_ttl("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_ttl("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_ttl("0"), Ok(Duration::ZERO));
        assert_eq!(parse_ttl("0s"), Ok(Duration::ZERO));
        for bad in ["", "1", "1.5s", "-1s", "+1s", "s", "ms", "1h", "99999999999999999999s"] {
            let error = parse_ttl(bad).unwrap_err();
            assert!(error.contains("is not a duration"), "{bad:?}: {error}");
        }
        assert!(parse_ttl("3601s").unwrap_err().contains("longer than"));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        for bad in ["0", "0s", "3601s", "x"] {
            assert!(parse_timeout(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(None, true));
        assert!(!colour(None, false), "redirected to a file or a pipe");
        assert!(!colour(Some(OsStr::new("1")), true));
        assert!(colour(Some(OsStr::new("")), true), "an empty NO_COLOR does not count");
    }
}
