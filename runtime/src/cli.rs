//! The `registry` and `audit` subcommands a service's `main` can hand over to scopegate.
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
//! ```
//!
//! `registry` prints the registry (see [`crate::dump`]); `audit` compares it with the committed
//! baseline (see [`crate::audit`]) and exits with status 1 on a regression; `audit --update` rewrites
//! the baseline to accept the current policy deliberately. Usage errors exit with status 2.

// The two subcommands parse their few options by hand rather than with clap: they run inside the
// host service's own `main`, on the host's argv after its program name, and must neither exit the
// process nor print a usage of their own making for the host's other arguments (the demo parses
// its `serve`/`token` commands with clap and hands only `registry`/`audit` over). What they need —
// `--key value`, `--key=value`, flags, "given twice", exit statuses 0/1/2 — is ~100 lines below;
// clap would add its compile time to every service that keeps the default `cli` feature.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::audit::{self, Baseline, DEFAULT_BASELINE};
use crate::dump::{self, Format, OpenApiOptions};
use crate::registry::Registry;

/// The subcommands [`run`] handles.
pub const COMMANDS: [&str; 2] = ["registry", "audit"];

const USAGE: &str = "\
usage:
  {program} registry [--format json|md|html|openapi] [--output FILE] [--title TEXT] [--api-version VERSION]
                    [--server URL]...
  {program} audit [--baseline FILE] [--update | --strict]

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
                 baseline can only shrink (what CI runs)
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

/// `true` when `args` start with one of [`COMMANDS`], with or without the program name in front
/// (so both `std::env::args()` and `std::env::args().skip(1)` work).
///
/// ```
/// assert!(scopegate::cli::is_command(&["my-service", "registry", "--format", "md"]));
/// assert!(scopegate::cli::is_command(&["audit"]));
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
    let stdout = io::stdout();
    let stderr = io::stderr();
    execute_with(registry, defaults, args, &mut stdout.lock(), &mut stderr.lock()).into()
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
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let start = command_start(&args).unwrap_or(0);
    let program = program_name(if start == 1 { args.first().cloned() } else { std::env::args().next() });
    let usage = USAGE.replace("{program}", &program);
    let rest = &args[start.min(args.len())..];
    let result = match rest.first().map(String::as_str) {
        Some("registry") => {
            parse_registry(&rest[1..], defaults).and_then(|cmd| cmd.run(registry, stdout, stderr))
        }
        Some("audit") => parse_audit(&rest[1..]).and_then(|cmd| cmd.run(registry, &program, stdout, stderr)),
        Some("help" | "-h" | "--help") => Err(Exit::Help),
        Some(other) => {
            Err(Exit::Usage(format!("unknown command `{other}` (expected `registry` or `audit`)")))
        }
        None => Err(Exit::Usage("missing command (expected `registry` or `audit`)".to_string())),
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
        let report = audit::audit(registry, &baseline);
        if report.passed() && self.strict && report.stale {
            // The ratchet: removed debt must be recorded, or it could come back unnoticed later.
            let _ = write!(stderr, "{report}");
            let _ = writeln!(
                stderr,
                "policy audit FAILED (--strict): the baseline {} no longer matches the code's policy; \
                 run `{program} audit --update` and commit it, so that debt removed now cannot come \
                 back unnoticed",
                self.baseline.display()
            );
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
