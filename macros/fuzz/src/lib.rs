//! Fuzzing harness for scopegate's macros.
//!
//! A proc-macro crate cannot export anything but macros, so this crate compiles the macro crate's
//! modules itself, by path (as `serde_derive_internals` reuses `serde_derive`'s source), and calls
//! their `expand_with` entry points on `proc_macro2` token streams, outside the compiler.
//!
//! Three ways in, one per fuzz target in `fuzz_targets/`:
//!
//! * [`from_bytes`] (target `tokens`): the fuzz input as Rust tokens — the first byte picks the
//!   macro, the rest is UTF-8 text holding the attribute arguments, then a NUL byte and the item;
//! * [`from_unstructured`] (target `grammar`): the fuzz input drives the grammar of
//!   `grammar.rs` (keys, values, items, and token-level mutations), so that
//!   libFuzzer's byte mutations become structured mutations of attribute arguments;
//! * [`run_config`] (target `config`): the fuzz input as a `scopegate.toml`, then declarations
//!   checked against the vocabulary it defines.
//!
//! [`run`] expands an [`Invocation`] and panics, which libFuzzer records as a crash, when the
//! contract is broken: a panic of the macro itself, the item not re-emitted first, neither a
//! registration nor an error (or both), an error without a `help:` line, or generated items that are
//! not valid Rust.

#[allow(dead_code)]
#[path = "../../src/args.rs"]
mod args;
#[allow(dead_code)]
#[path = "../../src/ast.rs"]
mod ast;
#[allow(dead_code)]
#[path = "../../src/config.rs"]
mod config;
#[allow(dead_code)]
#[path = "../../src/ctxt.rs"]
mod ctxt;
#[allow(dead_code)]
#[path = "../../src/endpoint.rs"]
mod endpoint;
#[allow(dead_code)]
#[path = "../../src/expand_config.rs"]
mod expand_config;
// The grammar of attribute arguments (also run as a fixed-seed corpus by the macros' tests).
#[allow(dead_code)]
#[path = "grammar.rs"]
mod fuzz_corpus;
#[allow(dead_code)]
#[path = "../../src/handler.rs"]
mod handler;
#[allow(dead_code)]
#[path = "../../src/permission.rs"]
mod permission;
#[allow(dead_code)]
#[path = "../../src/routes.rs"]
mod routes;
#[allow(dead_code)]
#[path = "../../src/rules.rs"]
mod rules;
#[allow(dead_code)]
#[path = "../../src/suggest.rs"]
mod suggest;
#[allow(dead_code)]
#[path = "../../src/symbol.rs"]
mod symbol;
// The macro modules' own unit tests (`cargo test` in this crate) use these helpers.
#[cfg(test)]
#[path = "../../src/testing.rs"]
mod testing;

use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Unstructured;
use proc_macro2::TokenStream;

use crate::config::Config;
use crate::fuzz_corpus::{Choices, Input, Macro, Outcome, SplitMix};

/// What an expansion that kept the contract produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Registered (an endpoint) or implemented (a permission class), without error.
    Registered,
    /// Nothing registered; this many errors, each with a `help:` line, say why.
    Rejected(usize),
}

/// Which attribute macro to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `#[scopegate::endpoint(...)]`
    Endpoint,
    /// `#[scopegate::permission(...)]`
    Permission,
}

/// One attribute invocation: `#[target(args)] item`.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The macro.
    pub target: Target,
    /// The attribute's arguments.
    pub args: TokenStream,
    /// The item the attribute sits on.
    pub item: TokenStream,
}

impl Invocation {
    fn input(&self) -> Input {
        let target = match self.target {
            Target::Endpoint => Macro::Endpoint,
            Target::Permission => Macro::Permission,
        };
        Input { target, args: self.args.clone(), item: self.item.clone() }
    }

    fn from_input(input: Input) -> Invocation {
        let target = match input.target {
            Macro::Endpoint => Target::Endpoint,
            Macro::Permission => Target::Permission,
        };
        Invocation { target, args: input.args, item: input.item }
    }
}

fn sentry() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::sentry)
}

/// The item used when the fuzz input gives none.
fn default_item(target: Target) -> TokenStream {
    let text = match target {
        Target::Endpoint => "async fn handler() {}",
        Target::Permission => "pub struct P;",
    };
    text.parse().unwrap_or_default()
}

/// Reads fuzz bytes as an invocation: byte 0 picks the macro (even: endpoint, odd: permission);
/// the rest must be UTF-8 that lexes as Rust tokens: the arguments, then optionally a NUL byte and
/// the item (the default item is a plain handler or unit struct). `None` when the text does not lex.
///
/// ```
/// let inv = scopegate_macros_fuzz::from_bytes(b"\x00method = GET\x00fn f() {}").unwrap();
/// assert_eq!(inv.target, scopegate_macros_fuzz::Target::Endpoint);
/// assert_eq!(inv.args.to_string(), "method = GET");
/// assert!(scopegate_macros_fuzz::from_bytes(b"\x00\"unterminated").is_none());
/// ```
pub fn from_bytes(data: &[u8]) -> Option<Invocation> {
    let (&first, rest) = data.split_first()?;
    let target = if first % 2 == 0 { Target::Endpoint } else { Target::Permission };
    let text = std::str::from_utf8(rest).ok()?;
    let (args, item) = match text.split_once('\0') {
        Some((args, item)) => (args, Some(item)),
        None => (text, None),
    };
    let args: TokenStream = args.parse().ok()?;
    let item = match item {
        Some(item) => item.parse().ok()?,
        None => default_item(target),
    };
    Some(Invocation { target, args, item })
}

/// Fuzz bytes as the source of the grammar's choices.
struct Bytes<'a, 'b>(&'a mut Unstructured<'b>);

impl Choices for Bytes<'_, '_> {
    fn below(&mut self, n: usize) -> usize {
        // An exhausted input reads as zeros: the first choice everywhere, so generation ends.
        if n <= 1 { 0 } else { self.0.choose_index(n).unwrap_or(0) }
    }
}

/// Builds an invocation from the grammar of attribute arguments and items, every choice (keys,
/// values, mistakes, token-level mutations) read from `u`.
///
/// ```
/// let mut u = arbitrary::Unstructured::new(&[7; 64]);
/// let inv = scopegate_macros_fuzz::from_unstructured(&mut u);
/// scopegate_macros_fuzz::run(&inv);
/// ```
pub fn from_unstructured(u: &mut Unstructured<'_>) -> Invocation {
    Invocation::from_input(fuzz_corpus::generate(&mut Bytes(u), sentry()))
}

/// Expands `invocation` with the built-in configuration and checks the contract.
///
/// # Panics
/// When the contract is broken (see the crate docs); the message names the violation and the
/// input.
pub fn run(invocation: &Invocation) -> Verdict {
    run_with(sentry(), invocation)
}

fn run_with(config: &Config, invocation: &Invocation) -> Verdict {
    match fuzz_corpus::check(config, &invocation.input()) {
        Ok(Outcome::Registered) => Verdict::Registered,
        Ok(Outcome::Rejected(errors)) => Verdict::Rejected(errors),
        Err(violation) => panic!(
            "contract broken: {violation}\n  {:?}({})\n  item: {}",
            invocation.target, invocation.args, invocation.item
        ),
    }
}

/// Parses `text` as a `scopegate.toml`; a rejected file must be reported with the file name, line
/// and column, an accepted one must be a consistent vocabulary, and declarations generated against
/// it (seeded by `text`) must keep the macros' contract.
///
/// ```
/// scopegate_macros_fuzz::run_config("[scopes]\nknown = [\"doc:read\"]\nreadonly = [\"doc:read\"]\n");
/// scopegate_macros_fuzz::run_config("[scopes\n");
/// ```
///
/// # Panics
/// When a check fails.
pub fn run_config(text: &str) {
    let file = Path::new("scopegate.toml");
    let config = match config::parse_config(file, text) {
        Ok(config) => config,
        Err(e) => {
            assert!(e.starts_with("scopegate.toml:"), "error without its file: {e}");
            return;
        }
    };
    assert!(!config.scopes.is_empty() && config.scopes.len() <= config::MAX_SCOPES, "{config:?}");
    for (i, s) in config.scopes.iter().enumerate() {
        assert!(!config.scopes[..i].contains(s), "scope {s} listed twice: {config:?}");
    }
    for r in &config.readonly {
        assert!(config.is_known(r), "read-only {r} unknown: {config:?}");
    }
    for (scope, implied) in &config.implies {
        assert!(config.is_known(scope) && !implied.contains(scope), "{scope}: {config:?}");
        assert!(implied.iter().all(|s| config.is_known(s)), "{scope}: {config:?}");
        // Closed: whatever an implied scope implies is implied too.
        for i in implied {
            if let Some((_, further)) = config.implies.iter().find(|(s, _)| s == i) {
                assert!(further.iter().all(|f| f == scope || implied.contains(f)), "{scope}: {config:?}");
            }
        }
    }
    for gate in &config.gates {
        for bypass in [&gate.bypass.org_token_scope, &gate.bypass.integration_scope].into_iter().flatten() {
            assert!(config.is_known(bypass), "gate {} bypass {bypass}: {config:?}", gate.name);
        }
    }
    let seed =
        text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut choices = SplitMix(seed);
    for _ in 0..8 {
        let input = fuzz_corpus::generate(&mut choices, &config);
        run_with(&config, &Invocation::from_input(input));
    }
}

#[cfg(test)]
mod harness_tests {
    use super::*;

    #[test]
    fn bytes_pick_the_macro_and_split_at_nul() {
        let inv = from_bytes(b"\x01GET = [\"org:read\"]").expect("lexes");
        assert_eq!(inv.target, Target::Permission);
        assert_eq!(run(&inv), Verdict::Registered);
        let inv = from_bytes(b"\x02method = GET, path = \"/a/\", scopes = [\"org:read\"]\x00fn f() {}")
            .expect("lexes");
        assert_eq!(run(&inv), Verdict::Registered);
        assert!(from_bytes(b"").is_none());
        assert!(from_bytes(b"\x00\xff").is_none(), "not UTF-8");
    }

    #[test]
    fn unstructured_input_of_any_length_generates() {
        for len in [0usize, 1, 3, 17, 256, 4096] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let inv = from_unstructured(&mut Unstructured::new(&data));
            run(&inv);
        }
    }
}
