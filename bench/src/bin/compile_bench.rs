//! Compile-time cost of `#[scopegate::endpoint]`: generates six library crates in a temporary
//! workspace — the same N handlers as plain functions, as plain functions each registered with a
//! bare `inventory::submit!` of a record of the same shape (the floor of any registration through
//! `inventory`), as plain functions each registered with a bare `inventory::submit!` of scopegate's
//! own record (`Endpoint`, what the macro registers, without the macro, the type `routes!` names or
//! the class checks), with `#[scopegate::endpoint]`, and with `#[utoipa::path]` (a peer attribute
//! macro that also describes each endpoint), and with both — `#[scopegate::endpoint]` above
//! `#[utoipa::path]`, which then carries no method, path or security (feature `utoipa`) — builds their
//! dependencies once, then times `cargo build -p <crate>` (or `cargo check`) of each crate alone,
//! several runs in rotating order, and prints the medians and ratios.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin compile_bench -- [--handlers N] [--runs R] [--check] [--keep]
//! ```
//!
//! Each timed build starts from the crate's source touched and `CARGO_INCREMENTAL=0`, so the
//! crate is compiled in full (parsing, macro expansion, type checking, code generation) while its
//! dependencies are reused (they are built in `bench/target/compile-bench`, kept between runs).
//! Both wall-clock time and CPU time (user + system of cargo and rustc, from `/proc/self/stat`)
//! are reported: CPU time is much less sensitive to other work on a shared machine.
//!
//! The handlers follow the generated benchmark registry: resources in five areas, each with a list
//! route (`GET`, `POST`) and a detail route (`GET`, `PUT`, `DELETE`). Organization-area endpoints
//! name a permission class (`permission = OrganizationPermission`, checked by const evaluation);
//! the others list their scopes. The utoipa crate declares the same paths, path parameters and
//! security scopes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use scopegate_bench::median;

const USAGE: &str = "usage: compile_bench [--handlers N] [--runs R] [--check] [--keep]
  --handlers N   handlers per crate (default 1000)
  --runs R       timed builds per crate (default 5)
  --check        time `cargo check` instead of `cargo build`
  --keep         keep the generated workspace (its path is printed)";

#[derive(Debug)]
struct Args {
    handlers: usize,
    runs: usize,
    check: bool,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { handlers: 1000, runs: 5, check: false, keep: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--handlers" | "--runs" => {
                let v = it.next().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?;
                let n: usize = v.parse().map_err(|_| format!("{arg}: `{v}` is not a whole number"))?;
                if n == 0 {
                    return Err(format!("{arg} must be positive"));
                }
                if arg == "--handlers" {
                    args.handlers = n;
                } else {
                    args.runs = n;
                }
            }
            "--check" => args.check = true,
            "--keep" => args.keep = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

/// One generated handler's route.
struct Route {
    method: &'static str,
    path: String,
    params: Vec<&'static str>,
    /// `Some(class)` for a permission class, else the scopes.
    class: Option<&'static str>,
    scopes: &'static [&'static str],
}

/// `(path prefix, GET scopes, mutation scopes, path parameters)`.
type Area = (&'static str, &'static [&'static str], &'static [&'static str], &'static [&'static str]);

const AREAS: [Area; 5] = [
    (
        "/api/0/organizations/{organization_id_or_slug}",
        &["org:read", "org:write", "org:admin"],
        &["org:write", "org:admin"],
        &["organization_id_or_slug"],
    ),
    (
        "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}",
        &["project:read", "project:write", "project:admin"],
        &["project:write", "project:admin"],
        &["organization_id_or_slug", "project_id_or_slug"],
    ),
    (
        "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}",
        &["team:read", "team:write", "team:admin"],
        &["team:write", "team:admin"],
        &["organization_id_or_slug", "team_id_or_slug"],
    ),
    (
        "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}",
        &["event:read", "event:write", "event:admin"],
        &["event:write", "event:admin"],
        &["organization_id_or_slug", "project_id_or_slug"],
    ),
    (
        "/api/0/organizations/{organization_id_or_slug}",
        &["member:read", "member:write", "member:admin"],
        &["member:write", "member:admin"],
        &["organization_id_or_slug"],
    ),
];

fn routes(count: usize) -> Vec<Route> {
    (0..count)
        .map(|i| {
            let (g, k) = (i / 5, i % 5);
            let area = g % AREAS.len();
            let (prefix, read, write, params) = AREAS[area];
            let (method, detail) =
                [("GET", false), ("POST", false), ("GET", true), ("PUT", true), ("DELETE", true)][k];
            let mut params = params.to_vec();
            let path = if detail {
                params.push("item_id");
                format!("{prefix}/res{g}/{{item_id}}/")
            } else {
                format!("{prefix}/res{g}/")
            };
            Route {
                method,
                path,
                params,
                class: (area == 0).then_some("OrganizationPermission"),
                scopes: if method == "GET" { read } else { write },
            }
        })
        .collect()
}

/// The scopes a route accepts, written out as string literals (a class's, for a class route).
fn written_scopes(r: &Route) -> String {
    match r.class {
        Some(_) if r.method == "GET" => quoted(&["org:read", "org:write", "org:admin"]),
        Some(_) if r.method == "DELETE" => quoted(&["org:admin"]),
        Some(_) => quoted(&["org:write", "org:admin"]),
        None => quoted(r.scopes),
    }
}

fn quoted(scopes: &[&str]) -> String {
    scopes.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
}

fn plain_crate(routes: &[Route]) -> String {
    let mut s = String::from("//! Generated: plain handlers.\n\n");
    for (i, _) in routes.iter().enumerate() {
        let _ =
            writeln!(s, "/// Handler {i}.\npub async fn handler_{i}() -> &'static str {{\n    \"ok\"\n}}\n");
    }
    s
}

/// The floor of any registration through `inventory`: the plain handlers, each followed by a
/// bare `inventory::submit!` of a static record of the same shape as scopegate's (handler path,
/// method, path, scopes, read-only scopes, exception, owner, publication, gate, note, source).
fn inventory_crate(routes: &[Route]) -> String {
    let mut s = String::from(
        "//! Generated: plain handlers, each registered with a bare `inventory::submit!`.\n\n\
         /// A record of the shape of `scopegate::Endpoint`'s declaration.\n\
         pub struct Record {\n    pub handler: &'static str,\n    pub method: u8,\n    pub path: &'static str,\n    \
         pub scopes: &'static [&'static str],\n    pub readonly: &'static [&'static str],\n    \
         pub readonly_exception: Option<&'static str>,\n    pub owner: &'static str,\n    pub publish: u8,\n    \
         pub gate: Option<&'static str>,\n    pub gate_exempt: Option<&'static str>,\n    \
         pub file: &'static str,\n    pub line: u32,\n}\n\ninventory::collect!(Record);\n\n",
    );
    for (i, r) in routes.iter().enumerate() {
        let method = ["GET", "POST", "PUT", "DELETE"].iter().position(|m| *m == r.method).unwrap_or(0);
        let scopes = written_scopes(r);
        let _ = writeln!(
            s,
            "/// Handler {i}.\npub async fn handler_{i}() -> &'static str {{\n    \"ok\"\n}}\n\n\
             inventory::submit! {{\n    Record {{\n        \
             handler: concat!(module_path!(), \"::\", \"handler_{i}\"),\n        method: {method},\n        \
             path: {:?},\n        scopes: &[{scopes}],\n        readonly: &[],\n        readonly_exception: None,\n        \
             owner: \"bench\",\n        publish: 3,\n        gate: None,\n        gate_exempt: None,\n        \
             file: file!(),\n        line: line!(),\n    }}\n}}\n",
            r.path
        );
    }
    s
}

/// Scopegate's own record without the macro: the plain handlers, each followed by a bare
/// `inventory::submit!` of the `scopegate::Endpoint` that `#[scopegate::endpoint]` would register
/// (a class's scopes written out). What the registration costs by itself; the `#[endpoint]` row adds
/// the macro's run, the hidden type `routes!` names and the class checks.
fn record_crate(routes: &[Route]) -> String {
    let mut s = String::from(
        "//! Generated: plain handlers, each registered with a bare `inventory::submit!` of scopegate's record.\n\n\
         use scopegate::__private as sg;\n\n",
    );
    for (i, r) in routes.iter().enumerate() {
        let method = match r.method {
            "POST" => "Post",
            "PUT" => "Put",
            "DELETE" => "Delete",
            _ => "Get",
        };
        let scopes = written_scopes(r);
        let readonly = quoted(&r.scopes.iter().copied().filter(|s| s.ends_with(":read")).collect::<Vec<_>>());
        let readonly = if r.method == "GET" { readonly } else { String::new() };
        let _ = writeln!(
            s,
            "/// Handler {i}.\npub async fn handler_{i}() -> &'static str {{\n    \"ok\"\n}}\n\n\
             sg::inventory::submit! {{\n    sg::Endpoint::__new(sg::Declaration {{\n        \
             handler: concat!(module_path!(), \"::\", \"handler_{i}\"),\n        method: sg::Method::{method},\n        \
             path: {:?},\n        access: sg::Access::Scopes(sg::Requirement {{ scopes: &[{scopes}], scope_match: sg::Any }}),\n        readonly: &[{readonly}],\n        \
             readonly_exception: None,\n        owner: \"bench\",\n        publish: sg::Publish::Public,\n        \
             gate: None,\n        gate_exempt: None,\n        planned: None,\n        sunset: None,\n        source: sg::Source {{ file: file!(), line: line!() }},\n    \
             }})\n}}\n",
            r.path
        );
    }
    s
}

fn scopegate_crate(routes: &[Route]) -> String {
    let mut s = String::from(
        "//! Generated: handlers declared with #[scopegate::endpoint].\n\n\
         /// Sentry's organization scope map.\n\
         #[scopegate::permission(\n    GET = [\"org:read\", \"org:write\", \"org:admin\"],\n    \
         POST = [\"org:write\", \"org:admin\"],\n    PUT = [\"org:write\", \"org:admin\"],\n    \
         DELETE = [\"org:admin\"],\n)]\npub struct OrganizationPermission;\n\n",
    );
    for (i, r) in routes.iter().enumerate() {
        let access = match r.class {
            Some(class) => format!("permission = {class}"),
            None => format!("scopes = [{}]", quoted(r.scopes)),
        };
        let _ = writeln!(
            s,
            "/// Handler {i}.\n#[scopegate::endpoint(\n    method = {},\n    path = {:?},\n    {access},\n    \
             owner = \"bench\",\n    publish = public,\n)]\npub async fn handler_{i}() -> &'static str {{\n    \"ok\"\n}}\n",
            r.method, r.path
        );
    }
    s
}

fn utoipa_crate(routes: &[Route]) -> String {
    let mut s = String::from("//! Generated: handlers declared with #[utoipa::path].\n\n");
    for (i, r) in routes.iter().enumerate() {
        let params: Vec<String> =
            r.params.iter().map(|p| format!("(\"{p}\" = String, Path, description = \"{p}\")")).collect();
        let scopes = written_scopes(r);
        let _ = writeln!(
            s,
            "/// Handler {i}.\n#[utoipa::path(\n    {},\n    path = {:?},\n    params({}),\n    \
             responses((status = 200, description = \"ok\", body = String)),\n    security((\"token\" = [{scopes}])),\n    \
             tag = \"bench\",\n)]\npub async fn handler_{i}() -> &'static str {{\n    \"ok\"\n}}\n",
            r.method.to_ascii_lowercase(),
            r.path,
            params.join(", ")
        );
    }
    s
}

/// The handlers of [`scopegate_crate`], each also documented with `#[utoipa::path]` below its
/// `#[scopegate::endpoint]`, as scopegate's `utoipa` feature has it: utoipa's attribute without the
/// method, the path and the security (scopegate writes them), otherwise as in [`utoipa_crate`].
fn combined_crate(routes: &[Route]) -> String {
    let mut s = scopegate_crate(routes).replacen(
        "handlers declared with #[scopegate::endpoint]",
        "handlers declared with #[scopegate::endpoint] above #[utoipa::path]",
        1,
    );
    for (i, r) in routes.iter().enumerate() {
        let params: Vec<String> =
            r.params.iter().map(|p| format!("(\"{p}\" = String, Path, description = \"{p}\")")).collect();
        let utoipa = format!(
            "#[utoipa::path(\n    params({}),\n    responses((status = 200, description = \"ok\", body = String)),\n    \
             tag = \"bench\",\n)]\npub async fn handler_{i}()",
            params.join(", ")
        );
        s = s.replacen(&format!("pub async fn handler_{i}()"), &utoipa, 1);
    }
    s
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))
}

const CRATES: [&str; 6] = ["plain", "inventory", "record", "scopegate", "utoipa", "combined"];

fn generate(dir: &Path, repo: &Path, handlers: usize) -> Result<(), String> {
    let routes = routes(handlers);
    let runtime = repo.join("runtime");
    let runtime = runtime.to_str().ok_or("the repository path is not UTF-8")?;
    write(
        &dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"plain\", \"inventory\", \"record\", \"scopegate\", \"utoipa\", \"combined\"]\n",
    )?;
    for (name, dep, source) in [
        ("plain", String::new(), plain_crate(&routes)),
        ("inventory", "inventory = \"0.3\"\n".to_string(), inventory_crate(&routes)),
        ("record", format!("scopegate = {{ path = {runtime:?} }}\n"), record_crate(&routes)),
        ("scopegate", format!("scopegate = {{ path = {runtime:?} }}\n"), scopegate_crate(&routes)),
        ("utoipa", "utoipa = \"5\"\n".to_string(), utoipa_crate(&routes)),
        (
            "combined",
            format!("scopegate = {{ path = {runtime:?}, features = [\"utoipa\"] }}\nutoipa = \"5\"\n"),
            combined_crate(&routes),
        ),
    ] {
        write(
            &dir.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"gen-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\n{dep}"
            ),
        )?;
        write(&dir.join(name).join("src/lib.rs"), &source)?;
    }
    // Start from the repository's lock file so that shared dependencies keep the versions the
    // workspace is tested with.
    let lock = repo.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| format!("copying Cargo.lock: {e}"))?;
    }
    Ok(())
}

/// CPU seconds (user + system) of this process's waited-for children so far, from
/// `/proc/self/stat` (`cutime` + `cstime`); `None` where that file does not exist.
fn children_cpu(ticks_per_second: f64) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start with field 3, `state`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / ticks_per_second)
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`), 100 when it cannot be asked.
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Wall-clock and CPU seconds (cargo and rustc together) of one `cargo` command.
#[derive(Debug, Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

fn cargo(dir: &Path, target: &Path, args: &[&str], ticks: f64) -> Result<Timing, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let cpu_before = children_cpu(ticks);
    let start = Instant::now();
    let out = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu_before, children_cpu(ticks)) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    if !out.status.success() {
        return Err(format!("`cargo {}` failed:\n{}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(Timing { wall, cpu })
}

fn touch(file: &Path) -> Result<(), String> {
    let f =
        std::fs::File::options().append(true).open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    f.set_modified(std::time::SystemTime::now()).map_err(|e| format!("{}: {e}", file.display()))
}

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn run(args: &Args) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("scopegate-compile-bench-{}", std::process::id()));
    generate(&dir, &repo_root(), args.handlers)?;
    eprintln!("generated {} handlers per crate in {}", args.handlers, dir.display());
    let verb = if args.check { "check" } else { "build" };
    let ticks = ticks_per_second();
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("compile-bench");
    // Warm-up: each crate with its dependencies, built the way it is timed (`-p`: features are
    // unified per selected package, so a `--workspace` build would not leave the same artifacts).
    eprintln!("warm-up: cargo {verb} -p <crate> (dependencies)…");
    for name in CRATES {
        cargo(&dir, &target, &[verb, "-p", &format!("gen-{name}"), "--quiet"], ticks)?;
    }
    let mut wall: [Vec<f64>; 6] = Default::default();
    let mut cpu: [Vec<f64>; 6] = Default::default();
    for run in 0..args.runs {
        for k in 0..CRATES.len() {
            let i = (k + run) % CRATES.len();
            touch(&dir.join(CRATES[i]).join("src/lib.rs"))?;
            let t = cargo(&dir, &target, &[verb, "-p", &format!("gen-{}", CRATES[i]), "--quiet"], ticks)?;
            eprintln!("run {} {:<10} wall {:.2} s  cpu {:.2} s", run + 1, CRATES[i], t.wall, t.cpu);
            wall[i].push(t.wall);
            cpu[i].push(t.cpu);
        }
    }
    let [pw, iw, rw, sw, uw, bw] = wall.map(|mut t| median(&mut t).unwrap_or(f64::NAN));
    let [pc, ic, rc, sc, uc, bc] = cpu.map(|mut t| median(&mut t).unwrap_or(f64::NAN));
    println!(
        "`cargo {verb} -p <crate>` of {} handlers, median of {} runs (CARGO_INCREMENTAL=0); \
         CPU = user + system time of cargo and rustc:",
        args.handlers, args.runs
    );
    println!();
    println!("| crate | wall s | CPU s | wall vs plain | CPU vs plain | wall vs utoipa | CPU vs utoipa |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, w, c) in [
        ("plain functions", pw, pc),
        ("plain + inventory", iw, ic),
        ("plain + scopegate record", rw, rc),
        ("#[scopegate::endpoint]", sw, sc),
        ("#[utoipa::path]", uw, uc),
        ("#[scopegate::endpoint] + #[utoipa::path]", bw, bc),
    ] {
        println!(
            "| {name} | {w:.2} | {c:.2} | {:.2}× | {:.2}× | {:.2}× | {:.2}× |",
            w / pw,
            c / pc,
            w / uw,
            c / uc
        );
    }
    println!();
    let per_handler = |c: f64| (c - pc) * 1000.0 / args.handlers as f64;
    println!(
        "CPU added per handler over plain functions: plain + inventory {:.3} ms, plain + scopegate record {:.3} ms \
         ({:.2}× inventory's), #[scopegate::endpoint] {:.3} ms ({:.2}× inventory's), #[utoipa::path] {:.3} ms, \
         #[scopegate::endpoint] + #[utoipa::path] {:.3} ms ({:.2}× utoipa's)",
        per_handler(ic),
        per_handler(rc),
        per_handler(rc) / per_handler(ic),
        per_handler(sc),
        per_handler(sc) / per_handler(ic),
        per_handler(uc),
        per_handler(bc),
        per_handler(bc) / per_handler(uc)
    );
    if args.keep {
        eprintln!("kept {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
