//! Collects every error of one macro invocation so a user sees all mistakes in one build.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// An error accumulator, modelled on serde_derive's `Ctxt`: errors are collected while parsing
/// and checking, and [`check`](Ctxt::check) hands them over. Dropping a `Ctxt` without calling it
/// is a bug in the macro (errors would be lost), caught by a panic in tests and fuzzing.
#[derive(Default)]
pub(crate) struct Ctxt {
    /// `None` once [`check`](Ctxt::check) took the errors.
    errors: Option<Vec<syn::Error>>,
}

/// Formats a message with a rustc-style `help:` line.
pub(crate) fn with_help(message: &str, help: &str) -> String {
    format!("{message}\n= help: {help}")
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: Some(Vec::new()) }
    }

    fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// An error on `span` with a `help:` line.
    pub(crate) fn error(&mut self, span: Span, message: impl AsRef<str>, help: impl AsRef<str>) {
        self.push(syn::Error::new(span, with_help(message.as_ref(), help.as_ref())));
    }

    /// An error on `span` whose text already ends in a `help:` line (a message of
    /// `scopegate_core::rules`).
    pub(crate) fn error_text(&mut self, span: Span, text: &str) {
        self.push(syn::Error::new(span, text));
    }

    /// An error spanning all of `tokens`, with a `help:` line.
    pub(crate) fn error_spanned(
        &mut self,
        tokens: &dyn ToTokens,
        message: impl AsRef<str>,
        help: impl AsRef<str>,
    ) {
        self.push(syn::Error::new_spanned(
            tokens.to_token_stream(),
            with_help(message.as_ref(), help.as_ref()),
        ));
    }

    #[cfg(test)]
    pub(crate) fn has_errors(&self) -> bool {
        self.errors.as_ref().is_some_and(|e| !e.is_empty())
    }

    /// Ends the collection: `Err` with every error as `compile_error!` invocations, if any.
    pub(crate) fn check(mut self) -> Result<(), TokenStream> {
        let errors = self.errors.take().unwrap_or_default();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.into_iter().map(|e| e.into_compile_error()).collect())
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("scopegate-macros: a Ctxt was dropped without `check()`; errors would be lost");
        }
    }
}
