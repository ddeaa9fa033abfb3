//! The handler function under `#[scopegate::endpoint]`: read as far as the expansion needs it
//! (its parts, kept as tokens), re-emitted as the body of the declaration's hidden type, and
//! scanned for `Path` extractors to check against the declared template.

use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, quote};

/// What the expansion needs of the handler, each part kept as the user's tokens. The argument
/// list is split from the rest but not parsed (it is re-emitted as written, and rustc parses it
/// anyway): the body is most of a handler's tokens, and its extractor arguments most of the rest,
/// which an unoptimized macro build parses slowly. A malformed signature is rustc's to report.
pub(crate) struct Handler {
    /// Outer attributes (doc comments, `#[tracing::instrument]`, …).
    attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    /// `const`, `async`, `unsafe`, `extern "…"`, as written.
    qualifiers: TokenStream,
    pub(crate) ident: Ident,
    generics: syn::Generics,
    /// The tokens between the argument list's parentheses.
    pub(crate) arguments: TokenStream,
    /// The return type, the `where` clause and the body.
    rest: TokenStream,
    /// The first argument when it is `self`, `&self`, `&mut self` or `self: Type`.
    pub(crate) receiver: Option<syn::Receiver>,
}

impl syn::parse::Parse for Handler {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Handler> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis = input.parse()?;
        let mut qualifiers = TokenStream::new();
        input.parse::<Option<syn::Token![const]>>()?.to_tokens(&mut qualifiers);
        input.parse::<Option<syn::Token![async]>>()?.to_tokens(&mut qualifiers);
        input.parse::<Option<syn::Token![unsafe]>>()?.to_tokens(&mut qualifiers);
        input.parse::<Option<syn::Abi>>()?.to_tokens(&mut qualifiers);
        input.parse::<syn::Token![fn]>()?;
        let ident = input.parse()?;
        let generics = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let receiver = {
            let first = content.fork();
            first.call(syn::Attribute::parse_outer)?;
            first.parse::<syn::Receiver>().ok().filter(|_| first.is_empty() || first.peek(syn::Token![,]))
        };
        let arguments = content.parse()?;
        // The return type and `where` clause, then the body: the item's last token tree, and
        // its only braced block outside `<…>` (so `fn a() {} fn b() {}` is not one function).
        let rest: TokenStream = input.parse()?;
        let blocks = top_level_blocks(&rest);
        match rest.clone().into_iter().last() {
            Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace && blocks == 1 => {
                Ok(Handler { attrs, vis, qualifiers, ident, generics, arguments, rest, receiver })
            }
            _ => Err(input.error("expected a function body")),
        }
    }
}

impl Handler {
    /// The handler as an associated function of its declaration type, under its own name (so
    /// that attributes keyed by the function's name, such as `#[tracing::instrument]`'s span,
    /// keep it), behind a [`Checked`] proof as first argument: `{ #[attrs] pub async fn
    /// name(_: Checked<Self>, extractors…) -> R { body } }` (`Self`: the declaration type; named so,
    /// an `#[endpoint]` misplaced inside an `impl` block adds no error of its own).
    ///
    /// [`Checked`]: https://docs.rs/scopegate/latest/scopegate/struct.Checked.html
    pub(crate) fn body(&self) -> TokenStream {
        let Handler { attrs, vis, qualifiers, ident, generics, arguments, rest, .. } = self;
        quote! {{
            #(#attrs)*
            #vis #qualifiers fn #ident #generics (
                _: ::scopegate::__private::Checked<Self>, #arguments
            ) #rest
        }}
    }
}

impl Handler {
    /// Takes every `#[utoipa::path(…)]` (or `#[::utoipa::path(…)]`) out of the handler's
    /// attributes: `#[scopegate::endpoint]` completes the first and emits it on a signature of its
    /// own (see [`crate::utoipa`]); a handler has one operation, so any further one is an error.
    pub(crate) fn take_utoipa_path(&mut self) -> Vec<syn::Attribute> {
        let (taken, kept) = std::mem::take(&mut self.attrs)
            .into_iter()
            .partition(|a| crate::utoipa::is_utoipa_path(a.path()));
        self.attrs = kept;
        taken
    }

    /// The function as written (less the attributes taken off it).
    pub(crate) fn item(&self) -> TokenStream {
        let Handler { attrs, vis, qualifiers, ident, generics, arguments, rest, .. } = self;
        quote!(#(#attrs)* #vis #qualifiers fn #ident #generics (#arguments) #rest)
    }

    /// The handler's signature with an empty body and its doc comments (the operation's summary
    /// and description), for `#[utoipa::path]` to read: the extractor arguments as written, no
    /// return type, not `async`. `fn name<G>(args) {}`.
    pub(crate) fn documented_signature(&self) -> TokenStream {
        let Handler { attrs, ident, generics, arguments, rest, .. } = self;
        let docs = attrs.iter().filter(|a| a.path().is_ident("doc") || a.path().is_ident("deprecated"));
        // The `where` clause (the arguments' types may need its bounds): from a top-level `where`
        // to the body, the last token.
        let rest: Vec<TokenTree> = rest.clone().into_iter().collect();
        let where_clause: TokenStream = rest
            .iter()
            .position(|tt| matches!(tt, TokenTree::Ident(i) if i == "where"))
            .map(|at| rest[at..rest.len().saturating_sub(1)].iter().cloned().collect())
            .unwrap_or_default();
        quote! {
            #(#docs)*
            #[allow(dead_code, unused_variables, unused_mut, clippy::all)]
            fn #ident #generics (#arguments) #where_clause {}
        }
    }
}

/// A `Path<…>` extractor among a handler's arguments.
pub(crate) struct PathExtractor {
    /// The type as written, `Path<(String, u64)>` (what an error spans).
    pub(crate) ty: TokenStream,
    /// How many values it extracts, when that can be told from its tokens: the length of a tuple,
    /// 1 for a scalar (`String`, the integers, `bool`, `char`, `Uuid`, …), `None` otherwise (a
    /// struct, a map, a `Vec`, an alias: deserialized by name or of any length).
    pub(crate) arity: Option<usize>,
}

/// Types that deserialize from exactly one path parameter.
const SCALARS: &[&str] = &[
    "String",
    "str",
    "bool",
    "char",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "Uuid",
    "NonZeroU8",
    "NonZeroU16",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroUsize",
    "NonZeroI32",
    "NonZeroI64",
];

/// The `Path<…>` extractors among `arguments` (the tokens inside a function's parentheses): each
/// argument's type is the part after its first top-level `:`, and is a `Path` extractor when its
/// last path segment is `Path` with one generic argument (`Path<T>`, `axum::extract::Path<T>`).
pub(crate) fn path_extractors(arguments: &TokenStream) -> Vec<PathExtractor> {
    split_top_level(arguments.clone())
        .into_iter()
        .filter_map(|argument| {
            let ty = after_type_colon(argument)?;
            let inner = path_argument(&ty)?;
            Some(PathExtractor { arity: arity(inner), ty: ty.into_iter().collect() })
        })
        .collect()
}

/// Each token with its depth in `<…>` before it (groups hide their own tokens; `->` closes
/// nothing).
fn with_angle_depth(tokens: TokenStream) -> impl Iterator<Item = (TokenTree, usize)> {
    let mut depth = 0usize;
    let mut previous: Option<TokenTree> = None;
    tokens.into_iter().map(move |tt| {
        let at = depth;
        if let TokenTree::Punct(p) = &tt {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !is_joint(previous.as_ref(), '-') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        previous = Some(tt.clone());
        (tt, at)
    })
}

/// Splits tokens at the commas outside `<…>`.
pub(crate) fn split_top_level(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for (tt, depth) in with_angle_depth(tokens) {
        if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') && depth == 0 {
            parts.push(Vec::new());
        } else if let Some(part) = parts.last_mut() {
            part.push(tt);
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// How many braced blocks `tokens` holds outside `<…>`.
fn top_level_blocks(tokens: &TokenStream) -> usize {
    with_angle_depth(tokens.clone())
        .filter(|(tt, depth)| {
            *depth == 0 && matches!(tt, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
        })
        .count()
}

fn is_joint(tt: Option<&TokenTree>, c: char) -> bool {
    matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == c && p.spacing() == Spacing::Joint)
}

/// The tokens after an argument's first `:` that is not half of a `::`.
fn after_type_colon(argument: Vec<TokenTree>) -> Option<Vec<TokenTree>> {
    let mut tokens = argument.into_iter();
    let mut previous: Option<TokenTree> = None;
    for tt in tokens.by_ref() {
        if let TokenTree::Punct(p) = &tt
            && p.as_char() == ':'
            && p.spacing() == Spacing::Alone
            && !is_joint(previous.as_ref(), ':')
        {
            return Some(tokens.collect());
        }
        previous = Some(tt);
    }
    None
}

/// For `Path<T>` (with an optional leading path), the tokens of `T`.
fn path_argument(ty: &[TokenTree]) -> Option<&[TokenTree]> {
    let open = ty.iter().position(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == '<'))?;
    // Only `::` and identifiers before the `<`, the last identifier `Path`.
    let last = last_segment(&ty[..open])?;
    let closes = matches!(ty.last(), Some(TokenTree::Punct(p)) if p.as_char() == '>');
    (last == "Path" && closes && ty.len() > open + 2).then(|| &ty[open + 1..ty.len() - 1])
}

/// The last identifier of tokens that are a plain path (identifiers and `::` only).
fn last_segment(tokens: &[TokenTree]) -> Option<String> {
    let plain = tokens.iter().all(|tt| match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(p) => p.as_char() == ':',
        _ => false,
    });
    let last = tokens.iter().rev().find_map(|tt| match tt {
        TokenTree::Ident(i) => Some(i.to_string()),
        _ => None,
    });
    last.filter(|_| plain)
}

/// How many values `T` of `Path<T>` extracts, when its tokens tell.
fn arity(inner: &[TokenTree]) -> Option<usize> {
    match inner {
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::Parenthesis => {
            let parts = split_top_level(group.stream());
            let trailing_comma =
                matches!(group.stream().into_iter().last(), Some(TokenTree::Punct(p)) if p.as_char() == ',');
            match parts.as_slice() {
                // `(T)` is `T`, parenthesised; `(T,)` is a tuple of one.
                [one] if !trailing_comma => arity(one),
                _ => Some(parts.len()),
            }
        }
        _ => last_segment(inner).filter(|last| SCALARS.contains(&last.as_str())).map(|_| 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arities(arguments: TokenStream) -> Vec<(String, Option<usize>)> {
        path_extractors(&arguments).into_iter().map(|p| (p.ty.to_string(), p.arity)).collect()
    }

    #[test]
    fn path_extractors_are_found_and_counted() {
        assert_eq!(
            arities(quote!(Path((a, b)): Path<(String, u64)>, State(s): State<App>)),
            [("Path < (String , u64) >".to_string(), Some(2))]
        );
        assert_eq!(
            arities(quote!(Path(id): axum::extract::Path<u64>)),
            [("axum :: extract :: Path < u64 >".into(), Some(1))]
        );
        assert_eq!(arities(quote!(p: Path<(String,)>)), [("Path < (String ,) >".into(), Some(1))]);
        assert_eq!(arities(quote!(p: Path<()>)), [("Path < () >".into(), Some(0))]);
        // A parenthesised type is the type: `((u64, u64))` is a pair, `(Params)` a struct.
        assert_eq!(arities(quote!(p: Path<((u64, u64))>))[0].1, Some(2));
        assert_eq!(arities(quote!(p: Path<(Params)>))[0].1, None);
        assert_eq!(arities(quote!(p: Path<(String)>))[0].1, Some(1));
        assert_eq!(
            arities(quote!(p: Path<std::string::String>)),
            [("Path < std :: string :: String >".into(), Some(1))]
        );
        // Generic arguments inside the tuple hide their commas.
        assert_eq!(arities(quote!(p: Path<(HashMap<String, u8>, Vec<(u8, u8)>)>))[0].1, Some(2));
        // Structs, maps, vectors and aliases are deserialized by name or of any length: unchecked.
        for unknown in [
            quote!(Path(p): Path<Params>),
            quote!(p: Path<HashMap<String, String>>),
            quote!(p: Path<Vec<(String, String)>>),
            quote!(p: Path<Id>),
        ] {
            assert_eq!(arities(unknown.clone())[0].1, None, "{unknown}");
        }
        // Not a `Path` extractor.
        for other in [
            quote!(Query(q): Query<(String, u8)>),
            quote!(Json(body): Json<Path<String>>),
            quote!(p: MyPath<u8>),
            quote!(f: impl Fn(u8) -> Path<u8>),
            quote!(),
        ] {
            assert!(arities(other.clone()).is_empty(), "{other}");
        }
        // A `::` in the pattern is not the type's colon; arguments after a closure type are found.
        assert_eq!(arities(quote!(axum::extract::Path(id): Path<u64>))[0].1, Some(1));
        assert_eq!(arities(quote!(f: Box<dyn Fn(u8) -> u8>, p: Path<(u8, u8)>))[0].1, Some(2));
    }

    #[test]
    fn the_body_keeps_its_name_behind_the_proof() {
        let handler: Handler = syn::parse2(quote!(
            /// Docs.
            pub(crate) async fn show(Path(id): Path<u64>) -> String
            where
                u64: Copy,
            {
                id.to_string()
            }
        ))
        .expect("a handler");
        // Compared as text: rustfmt would add a trailing comma to an expected `quote!`.
        assert_eq!(
            handler.body().to_string(),
            "{ # [doc = r\" Docs.\"] pub (crate) async fn show \
             (_ : :: scopegate :: __private :: Checked < Self > , Path (id) : Path < u64 >) \
             -> String where u64 : Copy , { id . to_string () } }"
        );
    }
}
