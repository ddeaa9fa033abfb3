//! Cross-crate integration tests of scopegate (see `tests/`).
