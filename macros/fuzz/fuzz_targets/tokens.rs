//! Any bytes that lex as Rust tokens, as the arguments (and item) of either macro.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(invocation) = scopegate_macros_fuzz::from_bytes(data) {
        scopegate_macros_fuzz::run(&invocation);
    }
});
