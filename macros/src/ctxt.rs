//! Collects every error of one macro invocation so a user sees all mistakes in one build.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// An error accumulator, modelled on serde_derive's `Ctxt`.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

/// Formats a message with a rustc-style `help:` line.
pub(crate) fn with_help(message: &str, help: &str) -> String {
    format!("{message}\n= help: {help}")
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt::default()
    }

    /// An error on `span` with a `help:` line.
    pub(crate) fn error(&mut self, span: Span, message: impl AsRef<str>, help: impl AsRef<str>) {
        self.errors.push(syn::Error::new(span, with_help(message.as_ref(), help.as_ref())));
    }

    /// An error spanning all of `tokens`, with a `help:` line.
    pub(crate) fn error_spanned(
        &mut self,
        tokens: &dyn ToTokens,
        message: impl AsRef<str>,
        help: impl AsRef<str>,
    ) {
        self.errors.push(syn::Error::new_spanned(
            tokens.to_token_stream(),
            with_help(message.as_ref(), help.as_ref()),
        ));
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// All collected errors as `compile_error!` invocations.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.errors.into_iter().map(|e| e.into_compile_error()).collect()
    }
}
