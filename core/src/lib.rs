//! The concepts [scopegate](https://docs.rs/scopegate)'s procedural macros and its runtime share,
//! written once: HTTP [`Method`]s, the [access forms](AccessForm) and [publish levels](Publish), [path templates](template), the [scope hierarchy's
//! closure](hierarchy), [gate areas](gate) and the [messages](rules) of the compile-time rules
//! that are checked in both crates (directly by the macros, and during const evaluation for
//! permission classes declared elsewhere).
//!
//! It has no dependencies, so the proc-macro crate links it as cheaply as the runtime does. Users
//! depend on `scopegate`, which re-exports what they need; nothing here is a stable API of its own.

#![warn(missing_docs)]

mod access;
pub mod date;
pub mod gate;
pub mod hierarchy;
mod method;
pub mod openapi;
pub mod rules;
pub mod template;

pub use access::{AccessForm, Publish, ScopeMatch};

/// The most scopes a vocabulary may hold: the runtime's scope sets have one bit per scope.
pub const MAX_SCOPES: usize = 1024;
pub use method::{Method, Methods};
