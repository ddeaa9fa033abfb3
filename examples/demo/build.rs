//! Whether this build's PostgreSQL tests run or are reported as ignored.
//!
//! Tests that need a PostgreSQL server carry
//! `#[cfg_attr(not(scopegate_postgres_tests), ignore = "needs PostgreSQL: …")]`: without
//! `SCOPEGATE_TEST_POSTGRES_URL`, `cargo test` lists them as ignored, with the reason, instead of
//! passing them in 0.00 s. Under `CI` they always run, and fail when no server is configured.

fn main() {
    println!("cargo::rerun-if-env-changed=SCOPEGATE_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(scopegate_postgres_tests)");
    let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
    if set("SCOPEGATE_TEST_POSTGRES_URL") || set("CI") {
        println!("cargo::rustc-cfg=scopegate_postgres_tests");
    }
}
