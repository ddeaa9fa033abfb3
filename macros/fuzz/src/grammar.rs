//! A generated corpus for the macros: a grammar of `#[endpoint]` and `#[permission]` arguments and of
//! the items they sit on, with token-level mutations, driven by a source of [`Choices`].
//!
//! The unit test at the bottom runs a fixed-seed corpus of 52,000 inputs through `expand_with` and
//! checks the robustness contract of the design: the macros never panic, always re-emit the item,
//! and emit either the registration or `compile_error!`s that each carry a `help:` line. The
//! cargo-fuzz crate in `macros/fuzz/` includes this file by path and drives the same grammar with
//! fuzz bytes (its `Choices` come from `arbitrary::Unstructured`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

use crate::config::Config;
use crate::{endpoint, permission};

/// Where the generator's decisions come from.
pub(crate) trait Choices {
    /// A number in `0..n`, for `n ≥ 1` (implementations return 0 for `n == 0`).
    fn below(&mut self, n: usize) -> usize;

    /// One of `items` (which must not be empty).
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let i = self.below(items.len()) % items.len().max(1);
        items[i]
    }

    /// `true` with a probability of `percent` %.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Whether to inject a mistake here, with a probability of `percent` % (or never, in a tame
    /// [`Gen`]).
    fn fault(&mut self, percent: usize) -> bool {
        self.chance(percent)
    }

    /// `true` when [`fault`](Self::fault) never injects a mistake.
    fn is_tame(&self) -> bool {
        false
    }
}

/// The generator's view of a [`Choices`]: a tame generator makes no deliberate mistake, so that a
/// good share of the corpus is valid and the checks behind the parser are exercised too.
struct Gen<'c, C: ?Sized> {
    choices: &'c mut C,
    tame: bool,
}

impl<C: Choices + ?Sized> Choices for Gen<'_, C> {
    fn below(&mut self, n: usize) -> usize {
        self.choices.below(n)
    }

    fn fault(&mut self, percent: usize) -> bool {
        !self.tame && self.chance(percent)
    }

    fn is_tame(&self) -> bool {
        self.tame
    }
}

/// SplitMix64: a tiny, fast, seedable generator for the fixed-seed corpus.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix(pub(crate) u64);

impl Choices for SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        if n == 0 { 0 } else { (z % n as u64) as usize }
    }
}

/// Which attribute an input is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Macro {
    Endpoint,
    Permission,
}

/// One generated invocation: `#[target(args)] item`.
#[derive(Clone, Debug)]
pub(crate) struct Input {
    pub(crate) target: Macro,
    pub(crate) args: TokenStream,
    pub(crate) item: TokenStream,
}

/// What an expansion that kept the contract produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The declaration was registered (endpoint) or implemented (class), with no error.
    Registered,
    /// Nothing was registered; this many errors say why.
    Rejected(usize),
}

/// Tokens from text; text that does not lex gives no tokens. Parsed once per thread and text.
fn tokens(text: &str) -> TokenStream {
    thread_local! {
        static PARSED: RefCell<HashMap<String, TokenStream>> = RefCell::new(HashMap::new());
    }
    PARSED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(found) = cache.get(text) {
            return found.clone();
        }
        let parsed: TokenStream = text.parse().unwrap_or_default();
        // Generated texts (typos) are few; long or one-off texts are not worth keeping.
        if cache.len() < 4096 && text.len() < 256 {
            cache.insert(text.to_string(), parsed.clone());
        }
        parsed
    })
}

fn string(text: &str) -> TokenStream {
    TokenTree::Literal(Literal::string(text)).into()
}

const METHODS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

/// Values of `method = …` that are not a valid method.
const BAD_METHODS: &[&str] = &[
    "get",
    "Put",
    "FETCH",
    "CONNECT",
    "TRACE",
    "\"GET\"",
    "GET PUT",
    "r#GET",
    "Method::Get",
    "[GET]",
    "1",
    "",
    "GET,",
    "-GET",
    "'GET",
    "GÉT",
    "(GET)",
];

/// Every key `#[endpoint]` accepts, so a key added there is generated here too.
const ENDPOINT_KEYS: &[&str] = crate::symbol::ENDPOINT_KEYS;

/// Misspelled, cased, raw or foreign keys.
const BAD_KEYS: &[&str] = &[
    "mehtod",
    "Method",
    "pth",
    "scope",
    "Scopes",
    "permissions",
    "readonly_exceptions",
    "readonlyexception",
    "gates",
    "gate_exemt",
    "r#method",
    "r#path",
    "colour",
    "x",
    "GET",
    "_",
    "self",
    "crate",
    "ünïcode",
];

const PATH_SEGMENTS: &[&str] = &[
    "organizations",
    "{organization_id_or_slug}",
    "projects",
    "{project_id_or_slug}",
    "replays",
    "{replay_id}",
    "dashboards",
    "{dashboard_id}",
    "{*rest}",
    "{x}",
    "{x}",
    "{}",
    "{x",
    "x}",
    "{1x}",
    "a{b}",
    "{x}{y}",
    "{*}",
    "{**x}",
    "",
    " ",
    "?q=1",
    "#frag",
    "é",
    "..",
    ".",
    "%2F",
    "%7Bx%7D",
    "replays-count",
    "REPLAYS",
    "\u{0}",
    "\t",
];

const VALID_PATHS: &[&str] = &[
    "/",
    "/organizations/{organization_id_or_slug}/",
    "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    "/organizations/{organization_id_or_slug}/replays/",
    "/files/{*rest}",
    "/a",
    "/a/b/c/d/e/f/g/h/",
];

const GOOD_TEXTS: &[&str] =
    &["why", "Members may edit dashboards they created without org:write.", "dashboards", "🙂"];

const TEXTS: &[&str] = &[
    "why",
    "Members may edit dashboards they created without org:write.",
    "",
    " ",
    "\t\n",
    "\u{0}",
    "\"quoted\"",
    "back\\slash",
    "🙂 ünïcode",
    "\u{202E}rtl",
    "{}",
    "dashboards",
];

/// Literals of other kinds where a string is expected.
const OTHER_LITERALS: &[&str] = &[
    "r#\"raw\"#",
    "r\"raw\"",
    "b\"bytes\"",
    "br\"raw bytes\"",
    "c\"c string\"",
    "'c'",
    "b'c'",
    "1",
    "1u8",
    "1.5e3",
    "0x_ff",
    "\"a\" \"b\"",
    "concat!(\"a\")",
    "why",
    "-1",
    "true",
];

const BAD_SCOPES: &[&str] = &[
    "org:reed",
    "ORG:READ",
    "org:read ",
    " org:read",
    "",
    "org",
    ":",
    "org:read,org:write",
    "org:*",
    "événement:read",
    "zzzzzz",
];

const CLASS_PATHS: &[&str] = &[
    "C",
    "OrganizationPermission",
    "crate::permissions::C",
    "::a::C",
    "self::C",
    "super::C",
    "C<T>",
    "C::<u8>",
    "r#type",
    "<T as X>::C",
    "12",
    "\"C\"",
    "C D",
    "a::",
    "::",
    "dyn C",
    "&C",
    "[C]",
    "C!()",
];

const PUBLISH_VALUES: &[&str] = &[
    "private",
    "experimental",
    "public_experimental",
    "public",
    "internal",
    "Public",
    "\"public\"",
    "r#public",
];

const GATE_VALUES: &[&str] =
    &["replay", "r#replay", "replays", "profiling", "Replay", "\"replay\"", "replay::x"];

/// Single tokens inserted by the mutations.
const ATOMS: &[&str] = &[
    ",",
    ",",
    "=",
    "==",
    "=>",
    ":",
    "::",
    "#",
    "!",
    ";",
    "-",
    "..",
    "&",
    "'a",
    "method",
    "path",
    "scopes",
    "x",
    "r#x",
    "\"s\"",
    "1",
    "()",
    "[]",
    "{}",
    "[\"org:read\"]",
    "GET",
    "DELETE",
];

/// The vocabulary's scopes, misspelled ones, and now and then a long or empty string.
fn scope_string(c: &mut impl Choices, config: &Config) -> TokenStream {
    if !c.fault(30)
        && let Some(scope) = config.scopes.get(c.below(config.scopes.len()))
    {
        return string(scope);
    }
    if c.chance(66) { string(c.pick(BAD_SCOPES)) } else { tokens(c.pick(OTHER_LITERALS)) }
}

fn text(c: &mut impl Choices) -> String {
    if !c.fault(40) {
        return c.pick(GOOD_TEXTS).to_string();
    }
    match c.below(12) {
        0..=8 => c.pick(TEXTS).to_string(),
        9 => "x".repeat(if c.chance(5) { c.below(20_000) } else { c.below(300) }),
        10 => (0..c.below(40)).map(|_| char::from_u32(c.below(0x3000) as u32).unwrap_or('?')).collect(),
        _ => format!("{} {}", c.pick(TEXTS), c.pick(TEXTS)),
    }
}

/// A justification, owner or reason: usually a string, sometimes another literal.
fn string_value(c: &mut impl Choices) -> TokenStream {
    if c.fault(15) { tokens(c.pick(OTHER_LITERALS)) } else { string(&text(c)) }
}

fn path_value(c: &mut impl Choices) -> TokenStream {
    if !c.fault(50) {
        return string(c.pick(VALID_PATHS));
    }
    let text = match c.below(12) {
        0..=5 => {
            let mut p = String::new();
            for _ in 0..c.below(7) {
                p.push('/');
                p.push_str(c.pick(PATH_SEGMENTS));
            }
            if p.is_empty() || c.chance(70) {
                p.push('/');
            }
            p
        }
        6..=8 => c.pick(VALID_PATHS).to_string(),
        9 => "/a".repeat(if c.chance(5) { c.below(20_000) } else { c.below(300) }),
        10 => text(c),
        _ => ["", "organizations/", "//", "/{", "/}"][c.below(5)].to_string(),
    };
    if c.chance(8) { tokens(c.pick(OTHER_LITERALS)) } else { string(&text) }
}

/// `[…]` of scope strings, with the separators and delimiters sometimes wrong.
fn scope_list(c: &mut impl Choices, config: &Config) -> TokenStream {
    let mut inner = TokenStream::new();
    let n = if c.fault(8) { 0 } else { 1 + c.below(4) };
    for i in 0..n {
        if i > 0 && !c.fault(5) {
            inner.extend(tokens(","));
        }
        inner.extend(if c.fault(10) { tokens(c.pick(ATOMS)) } else { scope_string(c, config) });
    }
    if c.chance(10) {
        inner.extend(tokens(","));
    }
    // `all(...)` now and then, and sometimes a wrong keyword or delimiter after it.
    if c.chance(25) {
        let mut out = tokens(if c.fault(10) { c.pick(&["any", "All", "all_of", "r#all"]) } else { "all" });
        let delimiter = if c.fault(10) { Delimiter::Bracket } else { Delimiter::Parenthesis };
        out.extend([TokenTree::Group(Group::new(delimiter, inner))]);
        return out;
    }
    let delimiter = match if c.fault(10) { c.below(4) } else { 4 } {
        0 => Delimiter::Parenthesis,
        1 => Delimiter::Brace,
        2 => Delimiter::None,
        3 => return inner,
        _ => Delimiter::Bracket,
    };
    TokenTree::Group(Group::new(delimiter, inner)).into()
}

/// One to three distinct scopes of the vocabulary.
fn distinct_scopes<'a>(c: &mut impl Choices, config: &'a Config) -> Vec<&'a str> {
    let mut picked: Vec<&str> = Vec::new();
    for _ in 0..1 + c.below(3) {
        if let Some(scope) = config.scopes.get(c.below(config.scopes.len()))
            && !picked.contains(&scope.as_str())
        {
            picked.push(scope);
        }
    }
    picked
}

fn method_value(c: &mut impl Choices) -> TokenStream {
    if c.fault(10) { tokens(c.pick(BAD_METHODS)) } else { tokens(c.pick(&METHODS)) }
}

fn endpoint_value(c: &mut impl Choices, config: &Config, key: &str) -> TokenStream {
    match key {
        "method" => method_value(c),
        "path" => path_value(c),
        "scopes" => scope_list(c, config),
        "permission" => tokens(if c.fault(30) { c.pick(CLASS_PATHS) } else { c.pick(&CLASS_PATHS[..7]) }),
        "publish" => tokens(if c.fault(20) { c.pick(PUBLISH_VALUES) } else { c.pick(&PUBLISH_VALUES[..4]) }),
        "gate" => tokens(if c.fault(20) { c.pick(GATE_VALUES) } else { c.pick(&GATE_VALUES[..2]) }),
        _ => string_value(c),
    }
}

/// `key = value`, and sometimes another shape: `key(value)`, a bare key, `key: value`, `= value`.
fn entry(c: &mut impl Choices, key: TokenStream, value: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    match if c.fault(15) { c.below(6) } else { 6 } {
        0 => {
            out.extend(key);
            out.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, value))]);
        }
        1 => out.extend(key),
        2 => {
            out.extend(key);
            out.extend(tokens(":"));
            out.extend(value);
        }
        3 => {
            out.extend(tokens("="));
            out.extend(value);
        }
        4 => {
            out.extend(key);
            out.extend(tokens("="));
        }
        5 => {
            out.extend(key);
            out.extend(value);
        }
        _ => {
            out.extend(key);
            out.extend(tokens("="));
            out.extend(value);
        }
    }
    out
}

/// Joins entries with commas, now and then missing, doubled or trailing.
fn join(c: &mut impl Choices, entries: Vec<TokenStream>) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, e) in entries.into_iter().enumerate() {
        if i > 0 {
            match if c.fault(4) { c.below(3) } else { 3 } {
                0 => {}
                1 => out.extend(tokens(", ,")),
                2 => out.extend(tokens(";")),
                _ => out.extend(tokens(",")),
            }
        }
        out.extend(e);
    }
    if c.chance(15) {
        out.extend(tokens(","));
    }
    out
}

fn shuffle<T>(c: &mut impl Choices, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, c.below(i + 1));
    }
}

fn endpoint_args(c: &mut impl Choices, config: &Config) -> TokenStream {
    // Mostly a plausible declaration (method, path, one access policy, some optional keys), so
    // that the checks behind the parser are reached too; then keys dropped, repeated or misspelled.
    let mut keys: Vec<&str> = vec!["method", "path"];
    keys.push(
        ["scopes", "scopes", "scopes", "permission", "unauthenticated", "authenticated", "superuser"]
            [c.below(7)],
    );
    for optional in ["owner", "publish", "gate"] {
        if c.chance(20) {
            keys.push(optional);
        }
    }
    // These two are errors unless the rest of the declaration calls for them.
    for dependent in ["readonly_exception", "gate_exempt"] {
        if c.fault(20) {
            keys.push(dependent);
        }
    }
    if c.fault(10) {
        keys.push(c.pick(ENDPOINT_KEYS));
    }
    if c.fault(15) && !keys.is_empty() {
        let i = c.below(keys.len());
        keys.remove(i);
    }
    if c.chance(40) {
        shuffle(c, &mut keys);
    }
    let mut entries = Vec::new();
    for key in keys {
        let value = endpoint_value(c, config, key);
        let name = if c.fault(6) { c.pick(BAD_KEYS) } else { key };
        entries.push(entry(c, tokens(name), value));
    }
    join(c, entries)
}

fn permission_args(c: &mut impl Choices, config: &Config) -> TokenStream {
    let mut entries = Vec::new();
    let mut methods: Vec<&str> = METHODS.iter().copied().filter(|_| c.chance(40)).collect();
    if c.fault(10) {
        methods.push(c.pick(&METHODS));
    }
    shuffle(c, &mut methods);
    // The mutations that accept a read-only scope: a tame class justifies exactly these.
    let mut needing: Vec<&str> = Vec::new();
    for method in &methods {
        let name = if c.fault(5) { c.pick(BAD_METHODS) } else { method };
        let value = if c.is_tame() {
            let scopes = distinct_scopes(c, config);
            if ["POST", "PUT", "PATCH", "DELETE"].contains(method)
                && scopes.iter().any(|s| config.is_readonly(s))
                && !needing.contains(method)
            {
                needing.push(method);
            }
            let lits = scopes.iter().map(|s| string(s));
            TokenTree::Group(Group::new(Delimiter::Bracket, join(c, lits.collect()))).into()
        } else {
            scope_list(c, config)
        };
        entries.push(entry(c, tokens(name), value));
    }
    if c.is_tame() && !needing.is_empty() {
        let notes: Vec<TokenStream> = needing
            .iter()
            .map(|method| {
                let mut note = tokens(method);
                note.extend(tokens("="));
                note.extend(string(&text(c)));
                note
            })
            .collect();
        let mut e = tokens("readonly_exceptions");
        e.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, join(c, notes)))]);
        entries.push(e);
    } else if !c.is_tame() && c.chance(45) {
        let mut notes = Vec::new();
        for _ in 0..1 + c.below(3) {
            let method =
                if !c.fault(15) && !methods.is_empty() { c.pick(&methods) } else { c.pick(&METHODS) };
            let name = if c.fault(5) { c.pick(BAD_METHODS) } else { method };
            let value = string_value(c);
            notes.push(entry(c, tokens(name), value));
        }
        let inner = join(c, notes);
        let key = if c.fault(6) { "readonly_exception" } else { "readonly_exceptions" };
        let mut e = tokens(key);
        match if c.fault(15) { c.below(2) } else { 2 } {
            0 => {
                e.extend(tokens("="));
                e.extend(inner);
            }
            1 => e.extend([TokenTree::Group(Group::new(Delimiter::Bracket, inner))]),
            _ => e.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, inner))]),
        }
        entries.push(e);
    }
    if c.fault(5) {
        let value = string_value(c);
        let key = tokens(c.pick(BAD_KEYS));
        entries.push(entry(c, key, value));
    }
    if c.chance(30) {
        shuffle(c, &mut entries);
    }
    join(c, entries)
}

const ATTRIBUTES: &[&str] = &[
    "#[derive(Debug)]",
    "/// A doc comment.",
    "#[doc = \"x\"]",
    "#[allow(dead_code)]",
    "#[scopegate::endpoint(method = GET)]",
    "#[cfg(test)]",
    "#![inner]",
    "#[]",
];

const FN_NAMES: &[&str] = &["handler", "update_dashboard", "r#type", "r#match", "_x", "héllo", "CamelCase"];

const PARAMS: &[&str] = &[
    "",
    "x: u8",
    "State(state): State<AppState>",
    "&self",
    "mut self",
    "self: Box<Self>",
    "_: ()",
    "a: u8, b: u8,",
    "(a, b): (u8, u8)",
];

/// A function, from pieces: attributes, visibility, qualifiers, name, generics, parameters, return
/// type, body (each piece lexed once, see [`tokens`]).
fn function(c: &mut impl Choices) -> TokenStream {
    let mut f = TokenStream::new();
    for _ in 0..c.below(3) {
        f.extend(tokens(c.pick(ATTRIBUTES)));
    }
    f.extend(tokens(c.pick(&["", "pub", "pub(crate)", "pub(in crate::a)"])));
    for qualifier in ["const", "async", "unsafe", "extern \"C\""] {
        if c.chance(12) {
            f.extend(tokens(qualifier));
        }
    }
    f.extend(tokens("fn"));
    f.extend(tokens(c.pick(FN_NAMES)));
    f.extend(tokens(c.pick(&["", "", "<T>", "<'a, T: Clone>", "<const N: usize>"])));
    f.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, tokens(c.pick(PARAMS))))]);
    f.extend(tokens(c.pick(&["", "", "-> u8", "-> impl IntoResponse", "-> Result<(), E> where E: Debug"])));
    f.extend(tokens(c.pick(&["{}", "{ x }", "{ todo!() }", ";", "{ async move {} }"])));
    f
}

fn structure(c: &mut impl Choices) -> TokenStream {
    let mut s = TokenStream::new();
    for _ in 0..c.below(3) {
        s.extend(tokens(c.pick(ATTRIBUTES)));
    }
    s.extend(tokens(c.pick(&["pub", "", "pub(crate)"])));
    s.extend(tokens("struct"));
    s.extend(tokens(c.pick(&["P", "OrganizationPermission", "r#type", "Ünï"])));
    s.extend(tokens(c.pick(&["", "", "<T>", "<'a>"])));
    s.extend(tokens(c.pick(&[";", ";", "(u8);", "{ a: u8 }", "{}", "()", "where T: Clone;"])));
    s
}

const OTHER_ITEMS: &[&str] = &[
    "",
    "enum E { A }",
    "impl X { fn f() {} }",
    "trait T {}",
    "const C: u8 = 1;",
    "static S: u8 = 1;",
    "use a::b;",
    "mod m {}",
    "type T = u8;",
    "union U { a: u8 }",
    "macro_rules! m { () => {} }",
    "m!();",
    "fn",
    "struct",
    "= , ;",
    "fn f() {} fn g() {}",
    "pub struct P; impl P {}",
    "#[derive(Debug)]",
    "\"just a string\"",
];

fn item(c: &mut impl Choices, target: Macro) -> TokenStream {
    // Each attribute mostly sits on the kind of item it expects.
    let expected = match target {
        Macro::Endpoint => 0,
        Macro::Permission => 1,
    };
    let kind = if c.fault(20) { c.below(3) } else { expected };
    match kind {
        0 => function(c),
        1 => structure(c),
        _ => tokens(c.pick(OTHER_ITEMS)),
    }
}

/// One random single token or empty group.
fn atom(c: &mut impl Choices) -> TokenStream {
    match c.below(10) {
        0 => string(&text(c)),
        1 => {
            let delimiter =
                c.pick(&[Delimiter::Parenthesis, Delimiter::Bracket, Delimiter::Brace, Delimiter::None]);
            TokenTree::Group(Group::new(delimiter, TokenStream::new())).into()
        }
        _ => tokens(c.pick(ATOMS)),
    }
}

/// Applies one mutation somewhere in `trees` (recursing into groups now and then).
fn mutate(c: &mut impl Choices, trees: &mut Vec<TokenTree>, depth: usize) {
    let len = trees.len();
    if len > 0 && depth < 8 && c.chance(25) {
        let i = c.below(len);
        if let TokenTree::Group(g) = &trees[i] {
            let mut inner: Vec<TokenTree> = g.stream().into_iter().collect();
            mutate(c, &mut inner, depth + 1);
            let mut group = Group::new(g.delimiter(), inner.into_iter().collect());
            group.set_span(g.span());
            trees[i] = TokenTree::Group(group);
            return;
        }
    }
    match c.below(10) {
        // Delete one token tree.
        0 if len > 0 => {
            trees.remove(c.below(len));
        }
        // Duplicate one.
        1 if len > 0 => {
            let i = c.below(len);
            let copy = trees[i].clone();
            trees.insert(i, copy);
        }
        // Swap two.
        2 if len > 1 => {
            let (i, j) = (c.below(len), c.below(len));
            trees.swap(i, j);
        }
        // Wrap a run in a group (`Delimiter::None` is what `macro_rules!` fragments become).
        3 if len > 0 => {
            let start = c.below(len);
            let end = start + 1 + c.below(len - start);
            let run: TokenStream = trees.drain(start..end).collect();
            let delimiter = c.pick(&[
                Delimiter::None,
                Delimiter::None,
                Delimiter::Parenthesis,
                Delimiter::Bracket,
                Delimiter::Brace,
            ]);
            trees.insert(start, TokenTree::Group(Group::new(delimiter, run)));
        }
        // Unwrap a group.
        4 if len > 0 => {
            let i = c.below(len);
            if let TokenTree::Group(g) = trees[i].clone() {
                trees.splice(i..=i, g.stream());
            }
        }
        // Change a punctuation's spacing.
        5 if len > 0 => {
            let i = c.below(len);
            if let TokenTree::Punct(p) = &trees[i] {
                let spacing = if p.spacing() == Spacing::Alone { Spacing::Joint } else { Spacing::Alone };
                trees[i] = TokenTree::Punct(Punct::new(p.as_char(), spacing));
            }
        }
        // Replace an identifier by a near miss, or a literal by another literal.
        6 if len > 0 => {
            let i = c.below(len);
            let replacement = match &trees[i] {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let changed = match c.below(4) {
                        0 => name.to_lowercase(),
                        1 => name.to_uppercase(),
                        2 => name.chars().skip(1).collect(),
                        _ => format!("{name}{}", c.pick(&["s", "_", "1", "é"])),
                    };
                    tokens(&changed)
                }
                TokenTree::Literal(_) => string_value(c),
                _ => return,
            };
            trees.splice(i..=i, replacement);
        }
        // Deep nesting, within what rustc itself would lex.
        7 if c.chance(10) => {
            let mut nested: TokenStream = trees.drain(..).collect();
            for _ in 0..c.below(64) {
                nested = TokenTree::Group(Group::new(Delimiter::Parenthesis, nested)).into();
            }
            trees.extend(nested);
        }
        // Insert a random token.
        _ => {
            let at = c.below(len + 1);
            trees.splice(at..at, atom(c));
        }
    }
}

fn mutated(c: &mut impl Choices, stream: TokenStream, max: usize) -> TokenStream {
    let mut trees: Vec<TokenTree> = stream.into_iter().collect();
    for _ in 0..c.below(max + 1) {
        mutate(c, &mut trees, 0);
    }
    trees.into_iter().collect()
}

/// One input: a grammar-built invocation, mutated at the token level about half of the time.
/// A third of the inputs are tame: no deliberate mistake, so mostly valid declarations.
pub(crate) fn generate(choices: &mut (impl Choices + ?Sized), config: &Config) -> Input {
    let tame = choices.chance(33);
    let c = &mut Gen { choices, tame };
    let target = if c.chance(65) { Macro::Endpoint } else { Macro::Permission };
    let args = match target {
        Macro::Endpoint => endpoint_args(c, config),
        Macro::Permission => permission_args(c, config),
    };
    let args = if c.fault(50) { mutated(c, args, 4) } else { args };
    let item = item(c, target);
    let item = if c.fault(10) { mutated(c, item, 2) } else { item };
    Input { target, args, item }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (_, Some(s)) => s.clone(),
        _ => "non-string panic payload".to_string(),
    }
}

/// Token-for-token equality (spans aside).
fn same_trees(a: &[TokenTree], b: &[TokenTree]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (TokenTree::Group(x), TokenTree::Group(y)) => {
                x.delimiter() == y.delimiter()
                    && same_trees(
                        &x.stream().into_iter().collect::<Vec<_>>(),
                        &y.stream().into_iter().collect::<Vec<_>>(),
                    )
            }
            (TokenTree::Ident(x), TokenTree::Ident(y)) => x == y,
            (TokenTree::Punct(x), TokenTree::Punct(y)) => {
                x.as_char() == y.as_char() && x.spacing() == y.spacing()
            }
            (TokenTree::Literal(x), TokenTree::Literal(y)) => x.to_string() == y.to_string(),
            _ => false,
        })
}

/// The messages of the `compile_error!{ "…" }` invocations at the top level of `trees`.
fn top_level_errors(trees: &[TokenTree]) -> Vec<String> {
    let mut out = Vec::new();
    for window in trees.windows(3) {
        if let [TokenTree::Ident(name), TokenTree::Punct(bang), TokenTree::Group(args)] = window
            && name == "compile_error"
            && bang.as_char() == '!'
        {
            match syn::parse2::<syn::LitStr>(args.stream()) {
                Ok(lit) => out.push(lit.value()),
                Err(_) => out.push(String::new()),
            }
        }
    }
    out
}

/// Expands `input` with `config` and checks the contract; `Err` describes the violation.
///
/// * no panic;
/// * an endpoint that registers becomes one `endpoint_handlers_must_be_free_functions!`
///   invocation whose body block holds the handler (its body token for token, behind the proof
///   argument) and whose registration block holds valid items, and no error;
/// * otherwise the item comes first, token for token, then either the class's registration (an
///   `impl`) and no error, or at least one `compile_error!` and no registration;
/// * every error has a message and a `help:` line;
/// * what follows the item is valid Rust items (so a valid item gives no follow-on syntax errors).
pub(crate) fn check(config: &Config, input: &Input) -> Result<Outcome, String> {
    let expand = match input.target {
        Macro::Endpoint => endpoint::expand_with,
        Macro::Permission => permission::expand_with,
    };
    let out = catch_unwind(AssertUnwindSafe(|| expand(config, input.args.clone(), input.item.clone())))
        .map_err(|payload| format!("panicked: {}", panic_message(payload.as_ref())))?;
    verify(input, &out)
}

/// The checks of [`check`] on an expansion `out` of `input`.
fn verify(input: &Input, out: &TokenStream) -> Result<Outcome, String> {
    let item: Vec<TokenTree> = input.item.clone().into_iter().collect();
    let all: Vec<TokenTree> = out.clone().into_iter().collect();
    let is_declaration =
        |t: &TokenTree| matches!(t, TokenTree::Ident(i) if i == "endpoint_handlers_must_be_free_functions");
    if input.target == Macro::Endpoint && all.iter().take(8).any(is_declaration) {
        return verify_declaration(&item, &all, out);
    }
    if all.len() < item.len() || !same_trees(&all[..item.len()], &item) {
        return Err(format!("the item is not re-emitted first: {out}"));
    }
    let rest = &all[item.len()..];
    if input.target == Macro::Endpoint && rest.iter().any(is_declaration) {
        return Err(format!("the function is kept beside its declaration: {out}"));
    }
    let registered = rest.iter().any(|t| match (input.target, t) {
        (Macro::Permission, TokenTree::Ident(i)) => i == "impl",
        _ => false,
    });
    let errors = top_level_errors(rest);
    if registered != errors.is_empty() {
        return Err(format!("registered = {registered} with {} errors: {out}", errors.len()));
    }
    for e in &errors {
        let explained = e
            .split_once("\n= help: ")
            .is_some_and(|(message, help)| !message.trim().is_empty() && !help.trim().is_empty());
        if !explained {
            return Err(format!("an error without a message and a help line: {e:?}"));
        }
    }
    // Items are self-delimiting, so item + rest is valid Rust whenever the item is.
    if let Err(e) = syn::parse2::<syn::File>(rest.iter().cloned().collect()) {
        return Err(format!("the generated items are not valid Rust ({e}): {out}"));
    }
    Ok(if registered { Outcome::Registered } else { Outcome::Rejected(errors.len()) })
}

/// An endpoint's declaration: `::scopegate::endpoint_handlers_must_be_free_functions! { vis name;
/// { fn handler(proof, arguments…) … body } ; { registration } }`, nothing else.
fn verify_declaration(item: &[TokenTree], all: &[TokenTree], out: &TokenStream) -> Result<Outcome, String> {
    let Some(TokenTree::Group(invocation)) = all.last() else {
        return Err(format!("the declaration is not one macro invocation: {out}"));
    };
    if all.len() != 8 || !top_level_errors(all).is_empty() {
        return Err(format!("a declaration comes alone: {out}"));
    }
    let parts: Vec<TokenTree> = invocation.stream().into_iter().collect();
    let is_semi = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if p.as_char() == ';');
    let (body, registration) = match parts.as_slice() {
        [.., semi, TokenTree::Group(body), semi2, TokenTree::Group(registration)]
            if is_semi(semi)
                && is_semi(semi2)
                && body.delimiter() == Delimiter::Brace
                && registration.delimiter() == Delimiter::Brace =>
        {
            (body, registration)
        }
        _ => return Err(format!("the declaration is not `vis name; {{body}}; {{registration}}`: {out}")),
    };
    if let Err(e) = syn::parse2::<syn::File>(registration.stream()) {
        return Err(format!("the registration items are not valid Rust ({e}): {out}"));
    }
    // A malformed signature is rustc's to report, on the user's tokens, wherever they are.
    let Ok(item_fn) = syn::parse2::<syn::ItemFn>(item.iter().cloned().collect()) else {
        return Ok(Outcome::Registered);
    };
    let body_block = (*body).clone();
    let handler = match syn::parse2::<syn::ItemImpl>(quote::quote!(impl Carrier #body_block)) {
        Ok(imp) => imp,
        Err(e) => return Err(format!("the handler's body is not a valid impl block ({e}): {out}")),
    };
    let [syn::ImplItem::Fn(body_fn)] = handler.items.as_slice() else {
        return Err(format!("the body block holds other than one function: {out}"));
    };
    if body_fn.sig.ident != item_fn.sig.ident || body_fn.sig.inputs.is_empty() {
        return Err(format!("the body does not keep the handler's name behind its proof: {out}"));
    }
    let written: Vec<TokenTree> = match item.last() {
        Some(TokenTree::Group(g)) => g.stream().into_iter().collect(),
        _ => return Err(format!("the item has no body: {out}")),
    };
    let emitted: Vec<TokenTree> = body_fn.block.to_token_stream().into_iter().collect();
    let emitted_inner: Vec<TokenTree> = match emitted.as_slice() {
        [TokenTree::Group(g)] => g.stream().into_iter().collect(),
        _ => Vec::new(),
    };
    if !same_trees(&emitted_inner, &written) {
        return Err(format!("the handler's body is not kept token for token: {out}"));
    }
    Ok(Outcome::Registered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounded, deterministic counterpart of the cargo-fuzz targets: seeds `0..CASES`, spread
    /// over up to four threads (about 12 s of CPU in the debug profile, 6 s on two idle cores; the
    /// time goes to syn and proc-macro2, which a `[profile.test]` override of this crate would not
    /// optimise).
    #[test]
    fn fixed_seed_corpus_keeps_the_contract() {
        const CASES: u64 = 52_000;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4) as u64;
        // Per thread: [endpoint, permission] × [registered, rejected].
        let counts: Vec<[[usize; 2]; 2]> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        let config = Config::sentry();
                        let mut seen = [[0usize; 2]; 2];
                        for seed in (t..CASES).step_by(threads as usize) {
                            let input = generate(&mut SplitMix(seed), &config);
                            match check(&config, &input) {
                                Ok(outcome) => {
                                    seen[input.target as usize]
                                        [usize::from(outcome != Outcome::Registered)] += 1
                                }
                                Err(violation) => panic!(
                                    "seed {seed}: {violation}\n  {:?}({})\n  item: {}",
                                    input.target, input.args, input.item
                                ),
                            }
                        }
                        seen
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        let mut seen = [[0usize; 2]; 2];
        for part in counts {
            for (total, add) in seen.iter_mut().flatten().zip(part.iter().flatten()) {
                *total += add;
            }
        }
        assert_eq!(seen.iter().flatten().sum::<usize>() as u64, CASES);
        // Not vacuous: both macros both accept and reject a good share of the corpus.
        for (target, [registered, rejected]) in ["endpoint", "permission"].iter().zip(seen) {
            let total = registered + rejected;
            assert!(total as u64 > CASES / 4, "{target}: {seen:?}");
            assert!(registered * 20 > total && rejected * 20 > total, "{target}: {seen:?}");
        }
    }

    #[test]
    fn the_check_accepts_both_outcomes() {
        let config = Config::sentry();
        let valid = Input {
            target: Macro::Endpoint,
            args: tokens("method = GET, path = \"/a/\", scopes = [\"org:read\"]"),
            item: tokens("fn handler() {}"),
        };
        assert_eq!(check(&config, &valid), Ok(Outcome::Registered));
        let invalid = Input { args: tokens("method = GET"), ..valid.clone() };
        assert_eq!(check(&config, &invalid), Ok(Outcome::Rejected(2)));
        let class = Input {
            target: Macro::Permission,
            args: tokens("GET = [\"org:read\"]"),
            item: tokens("pub struct P;"),
        };
        assert_eq!(check(&config, &class), Ok(Outcome::Registered));
        // The endpoint's arguments on a class are explained, not registered.
        let swapped = Input { target: Macro::Permission, item: tokens("pub struct P;"), ..valid };
        assert!(matches!(check(&config, &swapped), Ok(Outcome::Rejected(n)) if n > 0));
    }

    #[test]
    fn the_check_rejects_broken_expansions() {
        let input =
            Input { target: Macro::Endpoint, args: TokenStream::new(), item: tokens("fn handler() { 1 }") };
        let error = ":: core :: compile_error ! { \"bad\\n= help: fix it\" }";
        let body = "{ fn handler (_ : :: scopegate :: __private :: Checked < handler > ,) { 1 } }";
        let declaration = |body: &str, registration: &str| {
            format!(
                ":: scopegate :: endpoint_handlers_must_be_free_functions ! {{ handler ; {body} ; {registration} }}"
            )
        };
        let valid = declaration(body, "{ impl X for handler { } }");
        assert_eq!(
            verify(&input, &tokens(&format!("fn handler() {{ 1 }} {error}"))),
            Ok(Outcome::Rejected(1))
        );
        assert_eq!(verify(&input, &tokens(&valid)), Ok(Outcome::Registered));
        for (broken, why) in [
            (error.to_string(), "item dropped"),
            (format!("fn other() {{ 1 }} {error}"), "item changed"),
            ("fn handler() { 1 }".to_string(), "neither registration nor error"),
            (format!("{valid} {error}"), "both"),
            (format!("fn handler() {{ 1 }} {valid}"), "the function kept beside its declaration"),
            ("fn handler() { 1 } :: core :: compile_error ! { \"no help\" }".to_string(), "no help line"),
            ("fn handler() { 1 } :: core :: compile_error ! { \"\\n= help: \" }".to_string(), "blank"),
            (format!("fn handler() {{ 1 }} {error} fn"), "invalid Rust"),
            (declaration(body, "{ const }"), "invalid registration items"),
            (
                ":: scopegate :: endpoint_handlers_must_be_free_functions ! { handler ; { fn handler(_: P,) { 1 } } ; const _ : () = { } ; }".to_string(),
                "registration not one block",
            ),
            (declaration("{ fn handler (_ : P ,) { 2 } }", "{ }"), "body changed"),
            (declaration("{ fn call (_ : P ,) { 1 } }", "{ }"), "renamed"),
            (declaration("{ fn handler () { 1 } }", "{ }"), "no proof"),
            (declaration("{ fn handler (_ : P ,) { 1 } fn more () { } }", "{ }"), "more than the handler"),
        ] {
            assert!(verify(&input, &tokens(&broken)).is_err(), "{why}: {broken}");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let config = Config::sentry();
        let a = generate(&mut SplitMix(7), &config);
        let b = generate(&mut SplitMix(7), &config);
        assert_eq!((a.args.to_string(), a.item.to_string()), (b.args.to_string(), b.item.to_string()));
    }
}
