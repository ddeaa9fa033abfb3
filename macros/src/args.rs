//! Tolerant parsing of attribute arguments: `key = value, key(nested, ...), key`.
//!
//! The parser walks token trees itself instead of stopping at the first syntax error, so that every
//! mistake of an attribute is reported in one build and the parser can never panic.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use syn::LitStr;

use scopegate_core::ScopeMatch;

use crate::ctxt::Ctxt;
use crate::suggest::{did_you_mean, nearest};

/// One `key …` argument.
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Value,
}

/// What followed a key.
pub(crate) enum Value {
    /// `key = tokens` (tokens up to the next top-level comma; may be empty).
    Eq { eq_span: Span, tokens: TokenStream },
    /// `key(…)`.
    List(Group),
    /// A bare `key`.
    Flag,
    /// `key` followed by something other than `=`, `(…)` or `,`; already reported. Kept so that
    /// checks for a missing key do not report it a second time.
    Malformed,
}

impl Arg {
    /// The span of the value (or of the key when there is no value).
    pub(crate) fn value_span(&self) -> Span {
        match &self.value {
            Value::Eq { tokens, eq_span } => {
                let mut iter = tokens.clone().into_iter();
                match iter.next() {
                    Some(first) => {
                        let start = first.span();
                        iter.last().and_then(|last| start.join(last.span())).unwrap_or(start)
                    }
                    None => *eq_span,
                }
            }
            Value::List(g) => g.span(),
            Value::Flag | Value::Malformed => self.key.span(),
        }
    }
}

/// Splits `input` into arguments, reporting malformed pieces to `cx` and skipping them.
pub(crate) fn parse_args(cx: &mut Ctxt, input: TokenStream) -> Vec<Arg> {
    let mut args = Vec::new();
    let mut tokens = input.into_iter().peekable();
    loop {
        let Some(first) = tokens.next() else { break };
        let key = match first {
            TokenTree::Ident(ident) => ident,
            TokenTree::Punct(p) if p.as_char() == ',' => {
                cx.error(p.span(), "unexpected `,`", "remove the extra comma");
                continue;
            }
            other => {
                cx.error(
                    other.span(),
                    format!("expected a key such as `method`, found `{other}`"),
                    "write the arguments as `key = value`, separated by commas",
                );
                skip_to_comma(&mut tokens);
                continue;
            }
        };
        let value = match tokens.peek() {
            None => Value::Flag,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {
                tokens.next();
                args.push(Arg { key, value: Value::Flag });
                continue;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                let eq_span = p.span();
                tokens.next();
                let mut value = TokenStream::new();
                while let Some(tt) = tokens.peek() {
                    if matches!(tt, TokenTree::Punct(p) if p.as_char() == ',') {
                        break;
                    }
                    if let Some(tt) = tokens.next() {
                        value.extend([tt]);
                    }
                }
                Value::Eq { eq_span, tokens: value }
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                let g = g.clone();
                tokens.next();
                Value::List(g)
            }
            Some(other) => {
                cx.error(
                    other.span(),
                    format!("expected `=` after `{key}`, found `{other}`"),
                    format!("write `{key} = value`"),
                );
                skip_to_comma(&mut tokens);
                args.push(Arg { key, value: Value::Malformed });
                continue;
            }
        };
        args.push(Arg { key, value });
        // Consume the separating comma; anything else was reported above.
        match tokens.next() {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(other) => {
                cx.error(
                    other.span(),
                    format!("expected `,` found `{other}`"),
                    "separate arguments with commas",
                );
                skip_to_comma(&mut tokens);
            }
        }
    }
    args
}

fn skip_to_comma(tokens: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>) {
    for tt in tokens.by_ref() {
        if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
            break;
        }
    }
}

/// Reports unknown keys (with a suggestion) and duplicate keys; returns the arguments whose key is
/// known and first of its name.
pub(crate) fn known_unique<'a>(
    cx: &mut Ctxt,
    args: &'a [Arg],
    known: &[&'static str],
    what: &str,
) -> Vec<&'a Arg> {
    let mut seen: Vec<&Arg> = Vec::new();
    for arg in args {
        if matches!(arg.value, Value::Malformed) {
            continue;
        }
        let name = arg.key.to_string();
        if !known.contains(&name.as_str()) {
            cx.error(
                arg.key.span(),
                format!("unknown key `{name}` in {what}.{}", did_you_mean(&name, known.iter().copied())),
                format!("the keys are: {}", known.join(", ")),
            );
            continue;
        }
        if seen.iter().any(|a| a.key == arg.key) {
            cx.error(
                arg.key.span(),
                format!("duplicate key `{name}` in {what}"),
                format!("give `{name}` once"),
            );
            continue;
        }
        seen.push(arg);
    }
    seen
}

/// The keys the user meant to give: every known key present (valid or not), plus the nearest known
/// key of each misspelled one. Checks of the form "missing `x`" or "`x` is required when …" consult
/// this, so that a typo or an invalid value is reported once, without follow-on errors.
pub(crate) fn intended_keys(args: &[Arg], known: &[&'static str]) -> Vec<&'static str> {
    let mut intended = Vec::new();
    for arg in args {
        let name = arg.key.to_string();
        let key = match known.iter().find(|k| **k == name) {
            Some(k) => Some(*k),
            None => nearest(&name, known.iter().copied()),
        };
        if let Some(key) = key
            && !intended.contains(&key)
        {
            intended.push(key);
        }
    }
    intended
}

/// The head of an item (`pub struct Name`, `fn name(…) -> T`, `impl Trait for T`): its tokens after
/// the outer attributes, up to its body. Errors about the item's kind are spanned on it.
pub(crate) fn item_head(item: &TokenStream) -> TokenStream {
    let mut head = TokenStream::new();
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(tt) = tokens.next() {
        match &tt {
            // `#[attr]` (and inner `#![attr]`) before the item.
            TokenTree::Punct(p) if p.as_char() == '#' && head.is_empty() => {
                if matches!(tokens.peek(), Some(TokenTree::Punct(bang)) if bang.as_char() == '!') {
                    tokens.next();
                }
                if matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket) {
                    tokens.next();
                }
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
            TokenTree::Punct(p) if p.as_char() == ';' || p.as_char() == '=' => break,
            _ => head.extend([tt]),
        }
    }
    if head.is_empty() { item.clone() } else { head }
}

/// The tokens of `key = tokens`, reporting a missing value.
fn eq_tokens<'a>(cx: &mut Ctxt, arg: &'a Arg, expected: &str) -> Option<&'a TokenStream> {
    match &arg.value {
        Value::Eq { tokens, eq_span } => {
            if tokens.is_empty() {
                cx.error(
                    *eq_span,
                    format!("`{}` needs a value after `=`", arg.key),
                    format!("write `{} = {expected}`", arg.key),
                );
                None
            } else {
                Some(tokens)
            }
        }
        _ => {
            cx.error(
                arg.key.span(),
                format!("`{}` needs a value", arg.key),
                format!("write `{} = {expected}`", arg.key),
            );
            None
        }
    }
}

/// `key = "string"`.
pub(crate) fn lit_str(cx: &mut Ctxt, arg: &Arg, example: &str) -> Option<LitStr> {
    let tokens = eq_tokens(cx, arg, example)?;
    match syn::parse2::<LitStr>(tokens.clone()) {
        Ok(lit) => Some(lit),
        Err(_) => {
            cx.error(
                arg.value_span(),
                format!("`{}` takes a string literal", arg.key),
                format!("write `{} = {example}`", arg.key),
            );
            None
        }
    }
}

/// `key = Ident`.
pub(crate) fn ident(cx: &mut Ctxt, arg: &Arg, example: &str) -> Option<Ident> {
    let tokens = eq_tokens(cx, arg, example)?;
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Ident(ident)), None) => Some(ident),
        (Some(TokenTree::Literal(lit)), None) => {
            let text = lit.to_string();
            let bare = text.trim_matches('"');
            cx.error(
                lit.span(),
                format!("`{}` takes a keyword, not a string literal", arg.key),
                format!("write `{} = {bare}` without quotes", arg.key),
            );
            None
        }
        _ => {
            cx.error(
                arg.value_span(),
                format!("`{}` takes a single keyword", arg.key),
                format!("write `{} = {example}`", arg.key),
            );
            None
        }
    }
}

/// `key = some::Path`.
pub(crate) fn path(cx: &mut Ctxt, arg: &Arg, example: &str) -> Option<syn::Path> {
    let tokens = eq_tokens(cx, arg, example)?;
    match syn::parse2::<syn::Path>(tokens.clone()) {
        Ok(p) => Some(p),
        Err(_) => {
            cx.error(
                arg.value_span(),
                format!("`{}` takes a type path", arg.key),
                format!("write `{} = {example}`", arg.key),
            );
            None
        }
    }
}

/// A list of scope strings: `["a", "b"]` (any one) or `all("a", "b")` (every one). Returns how
/// they are matched, the span of the list (the brackets, or `all(…)` whole) and the literals.
pub(crate) fn scope_list(cx: &mut Ctxt, arg: &Arg, example: &str) -> Option<(ScopeMatch, Span, Vec<LitStr>)> {
    let tokens = eq_tokens(cx, arg, example)?;
    let mut iter = tokens.clone().into_iter();
    let (scope_match, span, group) = match (iter.next(), iter.next(), iter.next()) {
        (Some(TokenTree::Group(g)), None, None) if g.delimiter() == Delimiter::Bracket => {
            (ScopeMatch::Any, g.span(), g)
        }
        (Some(TokenTree::Ident(all)), Some(TokenTree::Group(g)), None)
            if all == ScopeMatch::ALL_KEYWORD && g.delimiter() == Delimiter::Parenthesis =>
        {
            (ScopeMatch::All, all.span().join(g.span()).unwrap_or(g.span()), g)
        }
        _ => {
            cx.error(
                arg.value_span(),
                format!(
                    "`{}` takes a list of scope strings: `[...]` (any one of them) or `all(...)` (every one)",
                    arg.key
                ),
                format!("write `{} = {example}`, or `{} = all(\"a\", \"b\")`", arg.key, arg.key),
            );
            return None;
        }
    };
    let parser = syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated;
    match syn::parse::Parser::parse2(parser, group.stream()) {
        Ok(list) => Some((scope_match, span, list.into_iter().collect())),
        Err(e) => {
            cx.error(
                e.span(),
                format!("`{}` takes string literals only: {e}", arg.key),
                format!("write `{} = {example}`", arg.key),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_all_value_shapes() {
        let mut cx = Ctxt::new();
        let args = parse_args(
            &mut cx,
            quote!(method = PUT, scopes = ["a", "b"], readonly_exceptions(POST = "x"), flag),
        );
        assert!(!cx.has_errors());
        let keys: Vec<String> = args.iter().map(|a| a.key.to_string()).collect();
        assert_eq!(keys, ["method", "scopes", "readonly_exceptions", "flag"]);
        assert!(matches!(args[2].value, Value::List(_)));
        assert!(matches!(args[3].value, Value::Flag));
        let _ = cx.check();
    }

    #[test]
    fn intended_keys_include_typos_and_invalid_values() {
        let mut cx = Ctxt::new();
        let args = parse_args(&mut cx, quote!(mehtod = GET, path, scopes = 1, zzz = 2, path = "/"));
        assert_eq!(
            intended_keys(&args, &["method", "path", "scopes", "owner"]),
            ["method", "path", "scopes"]
        );
        let _ = cx.check();
    }

    #[test]
    fn item_head_stops_at_the_body_and_skips_attributes() {
        let head = |item: TokenStream| item_head(&item).to_string();
        assert_eq!(
            head(quote!(
                #[derive(Debug)]
                #[doc = "x"]
                pub struct S {
                    a: u8,
                }
            )),
            quote!(pub struct S).to_string()
        );
        assert_eq!(
            head(quote!(
                pub(crate) struct T(u8);
            )),
            quote!(pub(crate) struct T(u8)).to_string()
        );
        assert_eq!(
            head(quote!(
                const C: u8 = 1;
            )),
            quote!(const C: u8).to_string()
        );
        assert_eq!(
            head(quote!(
                fn f(x: u8) -> u8 {
                    x
                }
            )),
            quote!(fn f(x: u8) -> u8).to_string()
        );
        // Nothing but attributes: the whole item.
        assert_eq!(head(quote!(#[a])), quote!(#[a]).to_string());
        assert_eq!(head(TokenStream::new()), "");
    }

    #[test]
    fn value_span_never_fails() {
        let mut cx = Ctxt::new();
        let args = parse_args(&mut cx, quote!(a =, b = x y z, c(d), e));
        assert_eq!(args.len(), 4);
        for arg in &args {
            let _ = arg.value_span();
        }
        let _ = cx.check();
    }

    #[test]
    fn string_and_list_values() {
        let mut cx = Ctxt::new();
        let args = parse_args(&mut cx, quote!(a = "x", b = ["p", "q",], c = [], d = ["p" "q"], e = "x" "y"));
        assert_eq!(lit_str(&mut cx, &args[0], "\"x\"").map(|l| l.value()), Some("x".to_string()));
        let (any, _, list) = scope_list(&mut cx, &args[1], "[]").expect("a list");
        assert_eq!(any, ScopeMatch::Any);
        assert_eq!(list.iter().map(LitStr::value).collect::<Vec<_>>(), ["p", "q"]);
        assert_eq!(scope_list(&mut cx, &args[2], "[]").map(|(_, _, l)| l.len()), Some(0));
        assert!(!cx.has_errors());
        assert!(scope_list(&mut cx, &args[3], "[]").is_none());
        assert!(lit_str(&mut cx, &args[4], "\"x\"").is_none());
        assert!(cx.has_errors());
        let _ = cx.check();
    }

    #[test]
    fn all_of_lists_and_what_is_not_one() {
        let mut cx = Ctxt::new();
        let args = parse_args(
            &mut cx,
            quote!(a = all("p", "q"), b = all(), c = any("p"), d = all["p"], e = all("p") x),
        );
        let (all, _, list) = scope_list(&mut cx, &args[0], "[]").expect("an all-of list");
        assert_eq!((all, list.len()), (ScopeMatch::All, 2));
        assert_eq!(
            scope_list(&mut cx, &args[1], "[]").map(|(m, _, l)| (m, l.len())),
            Some((ScopeMatch::All, 0))
        );
        assert!(!cx.has_errors());
        for arg in &args[2..] {
            assert!(scope_list(&mut cx, arg, "[]").is_none());
        }
        let errors = cx.check().expect_err("three shapes that are no scope list").to_string();
        assert_eq!(
            errors.matches("takes a list of scope strings: `[...]` (any one of them) or `all(...)`").count(),
            3
        );
    }

    #[test]
    fn recovers_after_garbage() {
        let mut cx = Ctxt::new();
        let args = parse_args(&mut cx, quote!("oops" = 1, method = GET, path ! x, owner = "a"));
        assert!(cx.has_errors());
        let keys: Vec<String> = args.iter().map(|a| a.key.to_string()).collect();
        assert_eq!(keys, ["method", "path", "owner"]);
        assert!(matches!(args[1].value, Value::Malformed));
        assert!(cx.check().is_err());
        // A malformed argument counts as given, but is neither checked again nor used.
        let mut cx = Ctxt::new();
        assert_eq!(intended_keys(&args, &["method", "path", "owner"]), ["method", "path", "owner"]);
        let used = known_unique(&mut cx, &args, &["method", "owner"], "test");
        assert!(!cx.has_errors(), "no `unknown key` for the malformed `path`");
        assert_eq!(used.len(), 2);
        let _ = cx.check();
    }
}
