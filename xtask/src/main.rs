//! Workspace automation: `cargo xtask <command>`.
//!
//! - `ci`: format check, clippy with `-D warnings`, and the whole test suite (what CI runs).
//! - `bless`: re-record the trybuild UI expectations (`TRYBUILD=overwrite`); review the diff.
//! - `registry [--format json|md|html|openapi] [--output FILE]`: print the demo's endpoint registry.
//! - `audit [--update]`: check the demo's policy debt against `policy-baseline.json` at the
//!   repository root; `--update` rewrites the baseline to accept the current policy deliberately.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn ci() -> Result<(), String> {
    let cargo = cargo();
    run(&cargo, &["fmt", "--all", "--check"], &[])?;
    run(&cargo, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    run(&cargo, &["test", "--workspace"], &[])
}

fn bless() -> Result<(), String> {
    let overwrite = [("TRYBUILD", "overwrite")];
    run(&cargo(), &["test", "-p", "scopegate-tests", "--test", "ui"], &overwrite)?;
    run(&cargo(), &["test", "-p", "scopegate-test-custom-vocab", "--test", "ui"], &overwrite)
}

/// `cargo run -q -p scopegate-demo -- <args>`: the demo routes `registry` and `audit` to
/// `scopegate::cli`.
fn demo(args: &[String]) -> Result<(), String> {
    let mut full: Vec<&str> = vec!["run", "-q", "-p", "scopegate-demo", "--"];
    full.extend(args.iter().map(String::as_str));
    run(&cargo(), &full, &[])
}

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn registry(args: &[String]) -> Result<(), String> {
    let mut full = vec!["registry".to_string()];
    full.extend(args.iter().cloned());
    demo(&full)
}

fn audit(args: &[String]) -> Result<(), String> {
    let mut full = vec!["audit".to_string()];
    let has_baseline = args.iter().any(|a| a == "--baseline" || a.starts_with("--baseline="));
    if !has_baseline {
        let baseline = repo_root().join("policy-baseline.json");
        full.push("--baseline".to_string());
        full.push(baseline.to_str().ok_or("the repository path is not UTF-8")?.to_string());
    }
    full.extend(args.iter().cloned());
    demo(&full)
}

const USAGE: &str = "usage: cargo xtask <command>
  ci                       fmt check, clippy -D warnings, every test
  bless                    re-record the trybuild UI expectations
  registry [--format json|md|html|openapi] [--output FILE]
                           print the demo's endpoint registry
  audit [--update|--strict] check the demo's policy against policy-baseline.json;
                           --update accepts the current policy (commit the file)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bless") => bless(),
        Some("registry") => registry(&args[1..]),
        Some("audit") => audit(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
