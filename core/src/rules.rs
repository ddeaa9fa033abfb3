//! The compile-time rules, written once: each rule's **test** (a plain function over plain values,
//! which every place that needs the answer calls — the macros, the const check of an endpoint that
//! names a permission class declared elsewhere, the records, the audit and the dumps) and the
//! **messages** of the rules that two places report, built with `const fn`s so that the macros
//! and the runtime's const evaluation write the same text.
//!
//! | rule | test |
//! |---|---|
//! | R1 read-only scope on a mutation without a justification | [`is_policy_debt`] and no note |
//! | R2 a justification that justifies nothing | a note and not [`is_policy_debt`] |
//! | R5 an endpoint in a gated area without its gate | [`gate::is_ungated`](crate::gate::is_ungated) |
//!
//! A message is `text\n= help: help`, rustc's layout; [`Message`] is a fixed-capacity string that
//! `const fn`s can build. The help line is always kept: if the text would overflow the capacity,
//! it is cut (ending in `…`) to leave room for it.

use crate::{Method, ScopeMatch};

/// **R1**'s and **R2**'s test, the definition of policy debt: a mutation (POST, PUT, PATCH,
/// DELETE) that read-only credentials can call — it accepts a read-only scope (any-of), or every
/// scope it requires is read-only (`all(...)`; see [`ScopeMatch::readonly_suffices`]). Such an
/// endpoint needs a justification (R1); a justification anywhere else justifies nothing (R2).
///
/// ```
/// use scopegate_core::{Method, rules::is_policy_debt};
/// assert!(is_policy_debt(Method::Put, true));
/// assert!(!is_policy_debt(Method::Get, true));
/// assert!(!is_policy_debt(Method::Delete, false));
/// ```
pub const fn is_policy_debt(method: Method, accepts_readonly: bool) -> bool {
    method.is_mutation() && accepts_readonly
}

/// The help of every note that justifies nothing (rule R2).
pub const STALE_HELP: &str = "remove it; stale notes hide the real policy debt";

/// Room kept for the help line when the text overflows.
const HELP_RESERVE: usize = 384;

/// A fixed-capacity UTF-8 string built during const evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Message<const N: usize> {
    buf: [u8; N],
    len: usize,
    /// The text overflowed: later pieces of it are dropped, the help line is still written.
    cut: bool,
}

impl<const N: usize> Message<N> {
    const fn new() -> Self {
        Message { buf: [0; N], len: 0, cut: false }
    }

    const fn write(mut self, s: &str, limit: usize) -> Self {
        let bytes = s.as_bytes();
        if self.len + bytes.len() > limit {
            // Drop the piece whole, so the text stays valid UTF-8, and mark the cut once.
            if !self.cut && self.len + 3 <= limit {
                self = self.write("…", limit);
            }
            self.cut = true;
            return self;
        }
        let mut i = 0;
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends text (dropped when it would leave no room for the help line).
    const fn push(self, s: &str) -> Self {
        let limit = N.saturating_sub(HELP_RESERVE);
        if self.cut { self } else { self.write(s, limit) }
    }

    /// Appends a list as `["a", "b"]`.
    const fn push_list(self, items: &[&str]) -> Self {
        self.push("[").push_items(items).push("]")
    }

    /// Appends items as `"a", "b"`.
    const fn push_items(mut self, items: &[&str]) -> Self {
        let mut i = 0;
        while i < items.len() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push("\"").push(items[i]).push("\"");
            i += 1;
        }
        self
    }

    /// Appends the help line (may use the reserved room).
    const fn help(self, help: &str) -> Self {
        let mut m = self.write("\n= help: ", N);
        m.cut = false;
        m.write(help, N)
    }

    /// The message text.
    pub const fn as_str(&self) -> &str {
        let (bytes, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => "scopegate: invalid policy declaration",
        }
    }
}

/// R1: a mutation accepts read-only scopes without a `readonly_exception` — directly, or through
/// `class` (then the help also offers the class-level `readonly_exceptions`). For an `all(...)`
/// requirement `readonly` is every required scope (each is read-only).
///
/// ```
/// use scopegate_core::{Method, ScopeMatch, rules::readonly_on_mutation};
/// let m = readonly_on_mutation::<512>("update", Method::Put, ScopeMatch::Any, &["org:read"], None);
/// assert_eq!(
///     m.as_str(),
///     "update PUT accepts readonly scopes [\"org:read\"]. Remove the readonly scopes or add a readonly_exception \
///      with a justification.\n= help: add `readonly_exception = \"why holders of read-only scopes may call this\"`, \
///      or remove the read-only scopes"
/// );
/// let m = readonly_on_mutation::<1024>("attach", Method::Post, ScopeMatch::All, &["org:read", "team:read"], None);
/// assert_eq!(
///     m.as_str(),
///     "attach POST requires only readonly scopes all(\"org:read\", \"team:read\"): a read-only token can call it. \
///      Require a write scope too or add a readonly_exception with a justification.\n= help: add \
///      `readonly_exception = \"why holders of read-only scopes may call this\"`, or add a write scope to the `all(...)`"
/// );
/// ```
pub const fn readonly_on_mutation<const N: usize>(
    endpoint: &str,
    method: Method,
    scope_match: ScopeMatch,
    readonly: &[&str],
    class: Option<&str>,
) -> Message<N> {
    let m = Message::new().push(endpoint).push(" ").push(method.as_str());
    let m = match scope_match {
        ScopeMatch::Any => m.push(" accepts readonly scopes ").push_list(readonly),
        ScopeMatch::All => m.push(" requires only readonly scopes all(").push_items(readonly).push(")"),
    };
    let m = match class {
        Some(class) => m.push(" via ").push(class),
        None => m,
    };
    let m = match scope_match {
        ScopeMatch::Any => {
            m.push(". Remove the readonly scopes or add a readonly_exception with a justification.")
        }
        ScopeMatch::All => m.push(
            ": a read-only token can call it. Require a write scope too or add a readonly_exception with a justification.",
        ),
    };
    let m = m.help("add `readonly_exception = \"why holders of read-only scopes may call this\"`");
    match (class, scope_match) {
        (Some(class), _) => m
            .write(" to the endpoint, or `readonly_exceptions(", N)
            .write(method.as_str(), N)
            .write(" = \"why\")` to the class ", N)
            .write(class, N),
        (None, ScopeMatch::Any) => m.write(", or remove the read-only scopes", N),
        (None, ScopeMatch::All) => m.write(", or add a write scope to the `all(...)`", N),
    }
}

/// R2: a note that justifies nothing. `subject` names the note (its pieces are concatenated, e.g.
/// ``["`readonly_exception` on ", "update", " ", "GET"]``), `reason` says why it is not needed.
///
/// ```
/// use scopegate_core::rules::stale_exception;
/// let m = stale_exception::<512>(&["readonly exception for ", "GET"], &["GET is not a mutation"]);
/// assert_eq!(
///     m.as_str(),
///     "readonly exception for GET is not needed: GET is not a mutation\n= help: remove it; stale notes hide the real policy debt"
/// );
/// ```
pub const fn stale_exception<const N: usize>(subject: &[&str], reason: &[&str]) -> Message<N> {
    let mut m = Message::new();
    let mut i = 0;
    while i < subject.len() {
        m = m.push(subject[i]);
        i += 1;
    }
    m = m.push(" is not needed: ");
    let mut i = 0;
    while i < reason.len() {
        m = m.push(reason[i]);
        i += 1;
    }
    m.help(STALE_HELP)
}

/// R4: an endpoint names a permission class that maps no scopes for its method.
pub const fn class_maps_no_method<const N: usize>(endpoint: &str, method: Method, class: &str) -> Message<N> {
    let name = method.as_str();
    Message::new()
        .push(endpoint)
        .push(" ")
        .push(name)
        .push(" uses ")
        .push(class)
        .push(", which maps no scopes for ")
        .push(name)
        .push(": every request would be denied.")
        .help("add `")
        .write(name, N)
        .write(" = [...]` to ", N)
        .write(class, N)
        .write(", or name a class that maps ", N)
        .write(name, N)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_line_survives_an_overflowing_text() {
        let long = "x".repeat(5_000);
        let m = readonly_on_mutation::<1024>(&long, Method::Post, ScopeMatch::Any, &["org:read"], Some("C"));
        let text = m.as_str();
        assert!(text.len() <= 1024);
        let (message, help) = text.split_once("\n= help: ").expect("help line");
        assert!(message.ends_with('…'), "{message}");
        assert!(help.ends_with("to the class C"), "{help}");
    }

    #[test]
    fn class_messages() {
        let m = readonly_on_mutation::<1024>(
            "create",
            Method::Post,
            ScopeMatch::Any,
            &["org:read", "team:read"],
            Some("P"),
        );
        assert_eq!(
            m.as_str(),
            "create POST accepts readonly scopes [\"org:read\", \"team:read\"] via P. Remove the readonly scopes or add \
             a readonly_exception with a justification.\n= help: add `readonly_exception = \"why holders of read-only \
             scopes may call this\"` to the endpoint, or `readonly_exceptions(POST = \"why\")` to the class P"
        );
        let m = class_maps_no_method::<1024>("delete", Method::Delete, "P");
        assert_eq!(
            m.as_str(),
            "delete DELETE uses P, which maps no scopes for DELETE: every request would be denied.\n= help: add \
             `DELETE = [...]` to P, or name a class that maps DELETE"
        );
    }
}
