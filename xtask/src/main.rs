//! Workspace automation: `cargo xtask <command>`.
//!
//! - `ci`: format check, clippy with `-D warnings`, and the whole test suite (what CI runs).
//! - `bless`: re-record the trybuild UI expectations (`TRYBUILD=overwrite`); review the diff.

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
    run(&cargo(), &["test", "-p", "scopegate-tests", "--test", "ui"], &[("TRYBUILD", "overwrite")])
}

const USAGE: &str = "usage: cargo xtask <ci|bless>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bless") => bless(),
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
