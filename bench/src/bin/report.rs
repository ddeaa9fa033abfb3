//! Prints the medians criterion recorded for the last `cargo bench` run of each benchmark as
//! Markdown tables, with the ratios between rows measured in that run.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin report [-- CRITERION_DIR]`
//! (default `bench/target/criterion`).
//!
//! Ratios: in decision and lookup groups every row is divided by the `scopegate` row (how many
//! times slower than scopegate); in the axum group by the row without enforcement (the added time
//! per request).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

#[derive(Debug)]
struct Row {
    function: String,
    median: f64,
    low: f64,
    high: f64,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn number(v: &Value, pointer: &str, file: &Path) -> Result<f64, String> {
    v.pointer(pointer).and_then(Value::as_f64).ok_or_else(|| format!("{}: no {pointer}", file.display()))
}

/// Every `<dir>/**/new/benchmark.json` with its estimates, by group.
fn collect(dir: &Path, groups: &mut BTreeMap<String, Vec<Row>>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path.is_dir() {
            continue;
        }
        let benchmark = path.join("new").join("benchmark.json");
        if benchmark.is_file() {
            let meta = read_json(&benchmark)?;
            let estimates_file = path.join("new").join("estimates.json");
            let estimates = read_json(&estimates_file)?;
            let group = meta.get("group_id").and_then(Value::as_str).unwrap_or("?").to_string();
            let function = meta
                .get("function_id")
                .and_then(Value::as_str)
                .or_else(|| meta.get("value_str").and_then(Value::as_str))
                .unwrap_or("?")
                .to_string();
            groups.entry(group).or_default().push(Row {
                function,
                median: number(&estimates, "/median/point_estimate", &estimates_file)?,
                low: number(&estimates, "/median/confidence_interval/lower_bound", &estimates_file)?,
                high: number(&estimates, "/median/confidence_interval/upper_bound", &estimates_file)?,
            });
        } else if path.file_name().is_some_and(|n| n != "report") {
            collect(&path, groups)?;
        }
    }
    Ok(())
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn order(function: &str) -> usize {
    ["plain (allow)", "scopegate", "scopegate routed", "scopegate+parse", "plain", "matchit", "casbin"]
        .iter()
        .position(|f| *f == function)
        .unwrap_or(usize::MAX)
}

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("criterion"));
    let mut groups = BTreeMap::new();
    if let Err(e) = collect(&dir, &mut groups) {
        eprintln!("error: {e} (run `cargo bench --manifest-path bench/Cargo.toml` first)");
        return ExitCode::FAILURE;
    }
    if groups.is_empty() {
        eprintln!("error: no criterion results under {}", dir.display());
        return ExitCode::FAILURE;
    }
    for (group, mut rows) in groups {
        rows.sort_by(|a, b| order(&a.function).cmp(&order(&b.function)).then(a.function.cmp(&b.function)));
        let axum = group.starts_with("axum");
        let base_name = if axum { "plain (allow)" } else { "scopegate" };
        let base =
            rows.iter().find(|r| r.function == base_name).or(rows.first()).map_or(f64::NAN, |r| r.median);
        println!("#### {group}\n");
        if axum {
            println!("| variant | median | 95% CI of median | vs without enforcement |");
        } else {
            println!("| implementation | median | 95% CI of median | × scopegate |");
        }
        println!("| --- | ---: | ---: | ---: |");
        for r in &rows {
            let ratio = r.median / base;
            let rel = if axum { format!("{:+.1}%", (ratio - 1.0) * 100.0) } else { format!("{ratio:.1}×") };
            println!(
                "| {} | {} | {} – {} | {rel} |",
                r.function,
                human(r.median),
                human(r.low),
                human(r.high)
            );
        }
        println!();
    }
    ExitCode::SUCCESS
}
