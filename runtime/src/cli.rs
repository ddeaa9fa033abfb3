//! The `registry`, `audit` and `tighten-report` subcommands a service's `main` can hand over to
//! scopegate.
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     let args: Vec<String> = std::env::args().collect();
//!     if scopegate::cli::is_command(&args) {
//!         return scopegate::cli::run(scopegate::Registry::global(), args);
//!     }
//!     // … start the service …
//!     ExitCode::SUCCESS
//! }
//! ```
//!
//! ```text
//! my-service registry [--format json|md|html|openapi] [--output FILE] [--title TEXT] [--api-version V]
//! my-service audit [--baseline FILE] [--update | --strict]
//! my-service tighten-report [--since 30d|YYYY-MM-DD] [--format json|markdown]
//! ```
//!
//! `registry` prints the registry (see [`crate::dump`]); `audit` compares it with the committed
//! baseline (see [`crate::audit`]) and exits with status 1 on a regression; `audit --update` rewrites
//! the baseline to accept the current policy deliberately; `audit --strict` also fails on a stale
//! baseline and on a read-only exception whose sunset day has come. `tighten-report` prints, per
//! planned policy, who removing the read-only exception would break, from the service's usage
//! store (see [`crate::tighten`]): the service hands the store over in [`Options`]. Usage errors
//! exit with status 2.
//!
//! ```no_run
//! use scopegate::Date;
//! use scopegate::tighten::{Usage, UsageStore};
//!
//! /// The service's usage store: daily rollups in its database.
//! struct Rollups;
//!
//! impl UsageStore for Rollups {
//!     fn usage_since(&self, _since: Date) -> Result<Vec<Usage>, String> {
//!         // SELECT … FROM would_break_daily WHERE day >= since
//!         Ok(Vec::new())
//!     }
//! }
//!
//! let store = Rollups;
//! let options = scopegate::cli::Options { usage: Some(&store), ..Default::default() };
//! scopegate::cli::run_with_options(scopegate::Registry::global(), &options, std::env::args());
//! ```

// The subcommands parse their few options by hand rather than with clap: they run inside the
// host service's own `main`, on the host's argv after its program name, and must neither exit the
// process nor print a usage of their own making for the host's other arguments (the demo parses
// its `serve`/`token` commands with clap and hands only scopegate's commands over). What they need —
// `--key value`, `--key=value`, flags, "given twice", exit statuses 0/1/2 — is ~100 lines below;
// clap would add its compile time to every service that keeps the default `cli` feature.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::audit::{self, AuditOptions, Baseline, DEFAULT_BASELINE};
use crate::dump::{self, Format, OpenApiOptions};
use crate::record::Date;
use crate::registry::Registry;
use crate::tighten::{self, UsageStore};

/// The subcommands [`run`] handles.
pub const COMMANDS: [&str; 3] = ["registry", "audit", "tighten-report"];

/// The window `tighten-report` reads when no `--since` is given.
pub const DEFAULT_SINCE: &str = "30d";

const USAGE: &str = "\
usage:
  {program} registry [--format json|md|html|openapi] [--output FILE] [--title TEXT] [--api-version VERSION]
                    [--server URL]...
  {program} audit [--baseline FILE] [--update | --strict]
  {program} tighten-report [--since 30d|YYYY-MM-DD] [--format json|markdown]

registry   print every declared endpoint and its permission policy
  --format       json (default; the contract shape), md (a table per owner), html (permission
                 matrix), openapi (OpenAPI 3.1 of the published endpoints)
  --output       write to FILE instead of standard output
  --title        OpenAPI info.title (default \"API\")
  --api-version  OpenAPI info.version (default \"0.0.0\")
  --server       an OpenAPI server URL, e.g. the base path the API is served under (/api/0);
                 repeat for several

audit      fail (exit status 1) when the policy regressed against the baseline: a new read-only
           exception, a newly accepted read-only scope on a mutation, a looser scope requirement
           (a scope added to an any-of list or dropped from all(...), all(...) turned any-of), a
           lost gate, an endpoint that stopped requiring credentials, or a new endpoint with debt
  --baseline     the baseline file (default policy-baseline.json)
  --update       accept the current policy deliberately: rewrite the baseline, then commit it
  --strict       also fail when the baseline is out of date (improvements not yet recorded), so the
                 baseline can only shrink, and when the sunset day of a read-only exception has
                 come (what CI runs)

tighten-report print, per planned policy of a read-only exception, the requests of the window the
           current policy allowed and the plan would deny, the principals and organizations
           behind them, and a verdict: safe (nobody relied on the exception) or would_break
  --since        the window: Nd (the last N days with today, N >= 1) or its first day
                 YYYY-MM-DD (default 30d); the window runs to today (UTC)
  --format       json (default) or markdown (to paste into the pull request that removes the
                 exception)
";

/// How a command ended; converts into the process [`ExitCode`] (0, 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The command did its job (exit status 0).
    Success,
    /// The audit failed, or a file could not be read or written (exit status 1).
    Failure,
    /// The command line is wrong (exit status 2).
    Usage,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Usage => ExitCode::from(2),
        }
    }
}

/// What a service hands the subcommands besides its registry: its OpenAPI defaults, its usage
/// store, and (for tests) the day taken as today.
///
/// Build it with `..Default::default()` so that fields added later keep it compiling:
///
/// ```
/// # use scopegate::tighten::{Usage, UsageStore};
/// # struct Rollups;
/// # impl UsageStore for Rollups {
/// #     fn usage_since(&self, _: scopegate::Date) -> Result<Vec<Usage>, String> { Ok(Vec::new()) }
/// # }
/// let store = Rollups;
/// let options = scopegate::cli::Options {
///     openapi: scopegate::dump::OpenApiOptions { title: "Acme API".into(), ..Default::default() },
///     usage: Some(&store),
///     ..Default::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone, Default)]
pub struct Options<'a> {
    /// The OpenAPI defaults of `registry --format openapi` (see [`run_with`]).
    pub openapi: OpenApiOptions,
    /// The usage store `tighten-report` reads (see [`crate::tighten`]); without one,
    /// `tighten-report` fails saying that the service did not wire a usage store.
    pub usage: Option<&'a dyn UsageStore>,
    /// The day taken as today by `audit --strict` (sunsets) and `tighten-report --since Nd`;
    /// `None`: today's date (UTC) from the system clock.
    pub today: Option<Date>,
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("openapi", &self.openapi)
            .field("usage", &self.usage.map(|_| "dyn UsageStore"))
            .field("today", &self.today)
            .finish()
    }
}

impl Options<'_> {
    fn today(&self) -> Date {
        self.today.unwrap_or_else(Date::today)
    }
}

/// `true` when `args` start with one of [`COMMANDS`], with or without the program name in front
/// (so both `std::env::args()` and `std::env::args().skip(1)` work).
///
/// ```
/// assert!(scopegate::cli::is_command(&["my-service", "registry", "--format", "md"]));
/// assert!(scopegate::cli::is_command(&["audit"]));
/// assert!(scopegate::cli::is_command(&["my-service", "tighten-report", "--since", "30d"]));
/// assert!(!scopegate::cli::is_command(&["my-service", "serve"]));
/// assert!(!scopegate::cli::is_command::<&str>(&[]));
/// ```
pub fn is_command<S: AsRef<str>>(args: &[S]) -> bool {
    command_start(args).is_some()
}

fn command_start<S: AsRef<str>>(args: &[S]) -> Option<usize> {
    let is = |i: usize| args.get(i).is_some_and(|a| COMMANDS.contains(&a.as_ref()));
    if is(0) {
        Some(0)
    } else if is(1) {
        Some(1)
    } else {
        None
    }
}

/// Runs a subcommand against `registry`, printing to standard output and error.
///
/// `args` may include the program name (see [`is_command`]).
pub fn run<I, S>(registry: &Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    run_with(registry, &OpenApiOptions::default(), args)
}

/// Like [`run`], with the service's own OpenAPI defaults — its title, version, and the base path
/// it is served under as a server ([`ApiRouter::base_path`](crate::axum::ApiRouter::base_path)) —
/// which `--title`, `--api-version` and `--server` override.
///
/// ```no_run
/// let defaults = scopegate::dump::OpenApiOptions {
///     title: "Acme API".into(),
///     servers: vec!["/api/0".into()],
///     ..Default::default()
/// };
/// scopegate::cli::run_with(scopegate::Registry::global(), &defaults, std::env::args());
/// ```
pub fn run_with<I, S>(registry: &Registry, defaults: &OpenApiOptions, args: I) -> ExitCode
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    run_with_options(registry, &Options { openapi: defaults.clone(), ..Default::default() }, args)
}

/// Like [`run`], with everything the service hands over in [`Options`] — its OpenAPI defaults
/// and its usage store for `tighten-report` (see the [module documentation](self)).
pub fn run_with_options<I, S>(registry: &Registry, options: &Options<'_>, args: I) -> ExitCode
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let stdout = io::stdout();
    let stderr = io::stderr();
    execute_with_options(registry, options, args, &mut stdout.lock(), &mut stderr.lock()).into()
}

/// Like [`run`], writing to the given streams and returning the [`Status`] (for tests and for
/// services that embed the commands in their own CLI).
///
/// ```standalone_crate
/// # #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
/// # fn details() {}
/// use scopegate::cli::{Status, execute};
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let status = execute(scopegate::Registry::global(), ["registry", "--format", "md"], &mut out, &mut err);
/// assert_eq!(status, Status::Success);
/// assert!(String::from_utf8(out).unwrap().contains("/organizations/{org}/"));
///
/// let status = execute(scopegate::Registry::global(), ["registry", "--format", "yaml"], &mut Vec::new(), &mut err);
/// assert_eq!(status, Status::Usage);
/// ```
pub fn execute<I, S>(registry: &Registry, args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Status
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    execute_with(registry, &OpenApiOptions::default(), args, stdout, stderr)
}

/// [`execute`] with the service's OpenAPI defaults (see [`run_with`]).
pub fn execute_with<I, S>(
    registry: &Registry,
    defaults: &OpenApiOptions,
    args: I,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Status
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    execute_with_options(
        registry,
        &Options { openapi: defaults.clone(), ..Default::default() },
        args,
        stdout,
        stderr,
    )
}

/// [`execute`] with everything the service hands over in [`Options`] (see
/// [`run_with_options`]).
///
/// ```standalone_crate
/// #[scopegate::endpoint(
///     method = PUT, path = "/organizations/{org}/dashboards/{id}/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members may edit dashboards they created.",
/// )]
/// fn update_dashboard() {}
///
/// use scopegate::Date;
/// use scopegate::cli::{Options, Status, execute_with_options};
/// use scopegate::tighten::{Usage, UsageStore};
///
/// struct NoTraffic;
/// impl UsageStore for NoTraffic {
///     fn usage_since(&self, _: Date) -> Result<Vec<Usage>, String> {
///         Ok(Vec::new())
///     }
/// }
///
/// let options = Options { usage: Some(&NoTraffic), today: Date::parse("2026-03-31"), ..Default::default() };
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let args = ["tighten-report", "--since", "30d", "--format", "markdown"];
/// let status = execute_with_options(scopegate::Registry::global(), &options, args, &mut out, &mut err);
/// assert_eq!(status, Status::Success);
/// assert!(String::from_utf8(out).unwrap().contains("Nobody relied on the read-only exception from 2026-03-02 on"));
/// ```
pub fn execute_with_options<I, S>(
    registry: &Registry,
    options: &Options<'_>,
    args: I,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Status
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let start = command_start(&args).unwrap_or(0);
    let program = program_name(if start == 1 { args.first().cloned() } else { std::env::args().next() });
    let usage = USAGE.replace("{program}", &program);
    let rest = &args[start.min(args.len())..];
    let result = match rest.first().map(String::as_str) {
        Some("registry") => {
            parse_registry(&rest[1..], &options.openapi).and_then(|cmd| cmd.run(registry, stdout, stderr))
        }
        Some("audit") => parse_audit(&rest[1..])
            .and_then(|cmd| cmd.run(registry, &program, options.today(), stdout, stderr)),
        Some("tighten-report") => parse_tighten_report(&rest[1..], options.today())
            .and_then(|cmd| cmd.run(registry, options.usage, stdout)),
        Some("help" | "-h" | "--help") => Err(Exit::Help),
        Some(other) => Err(Exit::Usage(format!(
            "unknown command `{other}` (expected `registry`, `audit` or `tighten-report`)"
        ))),
        None => {
            Err(Exit::Usage("missing command (expected `registry`, `audit` or `tighten-report`)".to_string()))
        }
    };
    match result {
        Ok(status) => status,
        Err(Exit::Help) => match stdout.write_all(usage.as_bytes()) {
            Ok(()) => Status::Success,
            Err(_) => Status::Failure,
        },
        Err(Exit::Usage(message)) => {
            let _ = write!(stderr, "error: {message}\n\n{usage}");
            Status::Usage
        }
        Err(Exit::Failure(message)) => {
            let _ = writeln!(stderr, "error: {message}");
            Status::Failure
        }
    }
}

/// Why a command stopped early.
enum Exit {
    Help,
    Usage(String),
    Failure(String),
}

/// Reads `--name=value` and `--name value` options.
struct Args<'a> {
    args: &'a [String],
    pos: usize,
}

impl<'a> Args<'a> {
    fn new(args: &'a [String]) -> Self {
        Args { args, pos: 0 }
    }

    /// The next option name and its inline value (`--format=md` → `("--format", Some("md"))`).
    fn next_option(&mut self) -> Option<Result<(&'a str, Option<&'a str>), Exit>> {
        let arg = self.args.get(self.pos)?;
        self.pos += 1;
        if arg == "-h" || arg == "--help" {
            return Some(Err(Exit::Help));
        }
        if !arg.starts_with("--") {
            return Some(Err(Exit::Usage(format!("unexpected argument `{arg}`"))));
        }
        Some(Ok(match arg.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (arg.as_str(), None),
        }))
    }

    fn value(&mut self, name: &str, inline: Option<&'a str>) -> Result<&'a str, Exit> {
        if let Some(v) = inline {
            return if v.is_empty() { Err(Exit::Usage(format!("`{name}` needs a value"))) } else { Ok(v) };
        }
        match self.args.get(self.pos) {
            Some(v) if !v.starts_with("--") && !v.is_empty() => {
                self.pos += 1;
                Ok(v)
            }
            _ => Err(Exit::Usage(format!("`{name}` needs a value"))),
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Exit> {
    if slot.is_some() {
        return Err(Exit::Usage(format!("`{name}` given twice")));
    }
    *slot = Some(value);
    Ok(())
}

struct RegistryCommand {
    format: Format,
    output: Option<PathBuf>,
    options: OpenApiOptions,
}

fn parse_registry(args: &[String], defaults: &OpenApiOptions) -> Result<RegistryCommand, Exit> {
    let mut args = Args::new(args);
    let (mut format, mut output, mut title, mut version) = (None, None, None, None);
    let mut servers = Vec::new();
    while let Some(option) = args.next_option() {
        let (name, inline) = option?;
        match name {
            "--format" => {
                let value = args.value(name, inline)?;
                let parsed = Format::parse(value).ok_or_else(|| {
                    Exit::Usage(format!("unknown format `{value}` (expected json, md, html or openapi)"))
                })?;
                set_once(&mut format, name, parsed)?;
            }
            "--output" => set_once(&mut output, name, PathBuf::from(args.value(name, inline)?))?,
            "--title" => set_once(&mut title, name, args.value(name, inline)?.to_string())?,
            "--api-version" => set_once(&mut version, name, args.value(name, inline)?.to_string())?,
            "--server" => servers.push(args.value(name, inline)?.to_string()),
            other => return Err(Exit::Usage(format!("unknown option `{other}` for `registry`"))),
        }
    }
    let format = format.unwrap_or(Format::Json);
    if (title.is_some() || version.is_some() || !servers.is_empty()) && format != Format::OpenApi {
        return Err(Exit::Usage(
            "`--title`, `--api-version` and `--server` only apply to `--format openapi`".to_string(),
        ));
    }
    let options = OpenApiOptions {
        title: title.unwrap_or_else(|| defaults.title.clone()),
        version: version.unwrap_or_else(|| defaults.version.clone()),
        servers: if servers.is_empty() { defaults.servers.clone() } else { servers },
        ..defaults.clone()
    };
    Ok(RegistryCommand { format, output, options })
}

impl RegistryCommand {
    fn run(
        self,
        registry: &Registry,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<Status, Exit> {
        let text = match self.format {
            Format::OpenApi => dump::openapi_json(registry, &self.options),
            other => dump::render(registry, other),
        };
        match &self.output {
            Some(path) => {
                std::fs::write(path, &text)
                    .map_err(|e| Exit::Failure(format!("cannot write {}: {e}", path.display())))?;
                let _ = writeln!(
                    stderr,
                    "wrote {} endpoints as {} to {}",
                    registry.len(),
                    self.format,
                    path.display()
                );
            }
            None => stdout
                .write_all(text.as_bytes())
                .map_err(|e| Exit::Failure(format!("cannot write to standard output: {e}")))?,
        }
        Ok(Status::Success)
    }
}

/// The name the program was started under (`my-service` of `/usr/bin/my-service`), for the usage
/// text and advice; `<program>` when there is none.
fn program_name(argv0: Option<String>) -> String {
    argv0
        .as_deref()
        .map(Path::new)
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "<program>".to_string())
}

struct AuditCommand {
    baseline: PathBuf,
    update: bool,
    strict: bool,
}

fn parse_audit(args: &[String]) -> Result<AuditCommand, Exit> {
    let mut args = Args::new(args);
    let (mut baseline, mut update, mut strict) = (None, false, false);
    while let Some(option) = args.next_option() {
        let (name, inline) = option?;
        match name {
            "--baseline" => set_once(&mut baseline, name, PathBuf::from(args.value(name, inline)?))?,
            "--update" => {
                if inline.is_some() {
                    return Err(Exit::Usage("`--update` takes no value".to_string()));
                }
                if update {
                    return Err(Exit::Usage("`--update` given twice".to_string()));
                }
                update = true;
            }
            "--strict" => {
                if inline.is_some() {
                    return Err(Exit::Usage("`--strict` takes no value".to_string()));
                }
                if strict {
                    return Err(Exit::Usage("`--strict` given twice".to_string()));
                }
                strict = true;
            }
            other => return Err(Exit::Usage(format!("unknown option `{other}` for `audit`"))),
        }
    }
    if update && strict {
        return Err(Exit::Usage("`--update` and `--strict` exclude each other".to_string()));
    }
    Ok(AuditCommand { baseline: baseline.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE)), update, strict })
}

impl AuditCommand {
    fn run(
        self,
        registry: &Registry,
        program: &str,
        today: Date,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<Status, Exit> {
        if self.update {
            return update(registry, &self.baseline, stdout, stderr);
        }
        let baseline = Baseline::read(&self.baseline).map_err(|e| {
            if e.is_not_found() {
                Exit::Failure(format!(
                    "baseline {} not found; create it with `audit --update` and commit it",
                    self.baseline.display()
                ))
            } else {
                Exit::Failure(e.to_string())
            }
        })?;
        let report = audit::audit_with(registry, &baseline, &AuditOptions::on(today));
        if report.passed() && self.strict && (report.stale || !report.sunsets_passed.is_empty()) {
            let _ = write!(stderr, "{report}");
            if report.stale {
                // The ratchet: removed debt must be recorded, or it could come back unnoticed later.
                let _ = writeln!(
                    stderr,
                    "policy audit FAILED (--strict): the baseline {} no longer matches the code's policy; \
                     run `{program} audit --update` and commit it, so that debt removed now cannot come \
                     back unnoticed",
                    self.baseline.display()
                );
            }
            if !report.sunsets_passed.is_empty() {
                let _ = writeln!(
                    stderr,
                    "policy audit FAILED (--strict): the sunset of {} read-only exception(s) has come \
                     (today is {today}); remove each exception (`{program} tighten-report` lists who \
                     still relies on it), or move its sunset and record it with `{program} audit --update`",
                    report.sunsets_passed.len()
                );
            }
            return Ok(Status::Failure);
        }
        if report.passed() {
            write!(stdout, "{report}").map_err(|e| Exit::Failure(format!("cannot write the report: {e}")))?;
            Ok(Status::Success)
        } else {
            let _ = write!(stderr, "{report}");
            Ok(Status::Failure)
        }
    }
}

fn update(
    registry: &Registry,
    path: &Path,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Status, Exit> {
    let previous = match Baseline::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            let _ = writeln!(stderr, "warning: replacing an unreadable baseline: {e}");
            None
        }
    };
    let baseline = audit::write_baseline(registry, path).map_err(|e| Exit::Failure(e.to_string()))?;
    let mut message = format!("wrote {} ({} endpoints pinned", path.display(), baseline.len());
    let debt = audit::DebtReport::new(registry);
    message.push_str(&format!(", {} read-only exceptions)\n", debt.len()));
    if let Some(previous) = previous {
        let report = audit::audit(registry, &previous);
        if !report.regressions.is_empty() {
            message.push_str("accepted:\n");
            for f in &report.regressions {
                message.push_str(&format!("  {}  {}\n", f.key, f.change));
            }
        }
        if !report.improvements.is_empty() {
            message.push_str("recorded improvements:\n");
            for f in &report.improvements {
                message.push_str(&format!("  {}  {}\n", f.key, f.change));
            }
        }
    }
    stdout.write_all(message.as_bytes()).map_err(|e| Exit::Failure(format!("cannot write: {e}")))?;
    Ok(Status::Success)
}

/// `tighten-report`'s output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Json,
    Markdown,
}

struct TightenReportCommand {
    since: Date,
    format: ReportFormat,
}

fn parse_tighten_report(args: &[String], today: Date) -> Result<TightenReportCommand, Exit> {
    let mut args = Args::new(args);
    let (mut since, mut format) = (None, None);
    while let Some(option) = args.next_option() {
        let (name, inline) = option?;
        match name {
            "--since" => {
                let value = args.value(name, inline)?;
                set_once(&mut since, name, parse_since(value, today)?)?;
            }
            "--format" => {
                let value = args.value(name, inline)?;
                let parsed = match value {
                    "json" => ReportFormat::Json,
                    "markdown" | "md" => ReportFormat::Markdown,
                    _ => {
                        return Err(Exit::Usage(format!(
                            "unknown format `{value}` for `tighten-report` (expected json or markdown)"
                        )));
                    }
                };
                set_once(&mut format, name, parsed)?;
            }
            other => return Err(Exit::Usage(format!("unknown option `{other}` for `tighten-report`"))),
        }
    }
    let since = match since {
        Some(since) => since,
        None => parse_since(DEFAULT_SINCE, today)?,
    };
    Ok(TightenReportCommand { since, format: format.unwrap_or(ReportFormat::Json) })
}

/// `--since`: [`tighten::parse_since`](crate::tighten::parse_since), as a usage error.
fn parse_since(value: &str, today: Date) -> Result<Date, Exit> {
    crate::tighten::parse_since(value, today).map_err(Exit::Usage)
}

impl TightenReportCommand {
    fn run(
        self,
        registry: &Registry,
        store: Option<&dyn UsageStore>,
        stdout: &mut dyn Write,
    ) -> Result<Status, Exit> {
        let store = store.ok_or_else(|| {
            Exit::Failure(
                "`tighten-report` reads the service's usage store, and this service did not wire a usage \
                 store (its main hands the store to `scopegate::cli::run_with_options` in \
                 `Options::usage`)"
                    .to_string(),
            )
        })?;
        let mut usage = store
            .usage_since(self.since)
            .map_err(|e| Exit::Failure(format!("cannot read the usage store: {e}")))?;
        // The store is asked for the window; a row from before it is not counted.
        usage.retain(|row| row.day >= self.since);
        let reports = tighten::report(registry, &usage);
        let text = match self.format {
            ReportFormat::Json => tighten::to_json(&reports, self.since),
            ReportFormat::Markdown => tighten::to_markdown(&reports, self.since),
        };
        stdout
            .write_all(text.as_bytes())
            .map_err(|e| Exit::Failure(format!("cannot write to standard output: {e}")))?;
        Ok(Status::Success)
    }
}
