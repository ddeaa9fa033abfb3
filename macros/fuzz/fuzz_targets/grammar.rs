//! The grammar of attribute arguments and items, with token-level mutations, driven by the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let invocation = scopegate_macros_fuzz::from_unstructured(&mut u);
    scopegate_macros_fuzz::run(&invocation);
});
