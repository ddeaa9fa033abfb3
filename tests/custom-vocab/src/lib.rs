//! A crate with its own `scopegate.toml` vocabulary.
