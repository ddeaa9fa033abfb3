//! Path templates such as `/organizations/{organization_id_or_slug}/replays/{*rest}`: their
//! segments and the rules a declared template follows.

/// One `/`-separated segment of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text, matched exactly.
    Literal(&'a str),
    /// `{name}`: one segment.
    Param(&'a str),
    /// `{*name}`: the rest of the path.
    CatchAll(&'a str),
}

impl<'a> Segment<'a> {
    /// The segment `text` stands for (`{x}` → a parameter, `{*x}` → a catch-all, else literal).
    pub fn parse(text: &'a str) -> Segment<'a> {
        match text.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(inner) => match inner.strip_prefix('*') {
                Some(name) => Segment::CatchAll(name),
                None => Segment::Param(inner),
            },
            None => Segment::Literal(text),
        }
    }

    /// The parameter's name, for parameters and catch-alls.
    pub fn param(self) -> Option<&'a str> {
        match self {
            Segment::Param(name) | Segment::CatchAll(name) => Some(name),
            Segment::Literal(_) => None,
        }
    }
}

/// The raw segments of a template or a concrete path: everything after the leading `/`, split on
/// `/` (so `/` is one empty segment and a trailing slash gives an empty last segment).
///
/// ```
/// use scopegate_core::template::parts;
/// assert_eq!(parts("/a/{b}/").collect::<Vec<_>>(), ["a", "{b}", ""]);
/// ```
pub fn parts(path: &str) -> Parts<'_> {
    Parts::of(path.strip_prefix('/').unwrap_or(path))
}

/// The iterator of [`parts`]: `str::split('/')`, scanning the bytes itself, which is faster for
/// the short segments of paths than the general searcher.
#[derive(Clone, Debug)]
pub struct Parts<'a> {
    rest: Option<&'a str>,
}

impl<'a> Parts<'a> {
    /// The `/`-separated parts of `text`, exactly as `text.split('/')`.
    pub(crate) fn of(text: &'a str) -> Parts<'a> {
        Parts { rest: Some(text) }
    }
}

impl<'a> Iterator for Parts<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == b'/') {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

impl std::iter::FusedIterator for Parts<'_> {}

/// The segments of a template.
///
/// ```
/// use scopegate_core::template::{Segment, segments};
/// assert_eq!(
///     segments("/files/{org}/{*rest}").collect::<Vec<_>>(),
///     [Segment::Literal("files"), Segment::Param("org"), Segment::CatchAll("rest")]
/// );
/// ```
pub fn segments(template: &str) -> impl Iterator<Item = Segment<'_>> {
    parts(template).map(Segment::parse)
}

/// The parameter names of a template, in order.
///
/// ```
/// assert_eq!(scopegate_core::template::params("/a/{x}/b/{*y}").collect::<Vec<_>>(), ["x", "y"]);
/// ```
pub fn params(template: &str) -> impl Iterator<Item = &str> {
    segments(template).filter_map(Segment::param)
}

/// A template that breaks the rules of [`validate`], with a `help:` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

fn err(message: impl Into<String>, help: impl Into<String>) -> TemplateError {
    TemplateError { message: message.into(), help: help.into() }
}

/// The most `{param}`s (catch-alls aside) one template may have: axum's router (`matchit` 0.8)
/// names them `a` to `z` internally and panics beyond.
pub const MAX_PARAMS: usize = 26;

/// Checks a declared path template and returns its parameter names.
///
/// Rules: a leading `/`; no empty segment; no whitespace, control characters, `?` or `#`; every
/// `{param}` is a whole segment named like an identifier; `{*rest}` only as the last segment; no
/// parameter twice; at most [`MAX_PARAMS`] `{param}`s; no axum 0.7 `:param` / `*rest` segments
/// (axum 0.8 matches them literally).
///
/// ```
/// use scopegate_core::template::validate;
/// assert_eq!(validate("/organizations/{org}/").unwrap(), ["org"]);
/// assert_eq!(validate("/docs/:id/").unwrap_err().help, "write the parameter as `{id}`");
/// ```
pub fn validate(path: &str) -> Result<Vec<&str>, TemplateError> {
    check(path)?;
    Ok(params(path).collect())
}

/// [`validate`] without collecting the names (it allocates only to describe an error).
///
/// ```
/// use scopegate_core::template::check;
/// assert!(check("/organizations/{org}/replays/{*rest}").is_ok());
/// assert!(check("/a/{x}/b/{x}/").is_err());
/// ```
pub fn check(path: &str) -> Result<(), TemplateError> {
    // Registries check every template at startup: the common shape is accepted in one pass; the
    // rest (catch-alls, text beyond ASCII, and every mistake) is decided and explained below.
    if common_template(path.as_bytes()) {
        return Ok(());
    }
    check_in_full(path)
}

/// The common template, accepted in one pass over its bytes without allocating: `/`, then
/// segments that are either literal ASCII text (no space, control character, `{`, `}`, `?` or `#`,
/// and not starting with `:` or `*`) or a whole `{name}` whose name was not seen before, at most
/// [`MAX_PARAMS`] of them, and no empty segment but a trailing one. `false` says nothing about
/// validity: [`check_in_full`] decides those templates (the test
/// `the_common_shape_is_a_subset_of_the_valid_templates` holds this one to its answers).
fn common_template(path: &[u8]) -> bool {
    let [b'/', rest @ ..] = path else { return false };
    let mut names: [&[u8]; MAX_PARAMS] = [&[]; MAX_PARAMS];
    let mut count = 0;
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            // An empty segment, or an axum 0.7 parameter (both explained by the full check).
            b'/' | b':' | b'*' => return false,
            b'{' => {
                let start = i + 1;
                i = start;
                while i < rest.len() && !matches!(rest[i], b'}' | b'/') {
                    i += 1;
                }
                let name = &rest[start..i];
                let whole = rest.get(i) == Some(&b'}') && matches!(rest.get(i + 1), None | Some(b'/'));
                if !whole || !is_param_name_bytes(name) {
                    return false;
                }
                if count == MAX_PARAMS || names[..count].contains(&name) {
                    return false;
                }
                names[count] = name;
                count += 1;
                i += 1;
            }
            _ => {
                while i < rest.len() && rest[i] != b'/' {
                    let b = rest[i];
                    if b <= b' ' || b >= 0x7f || matches!(b, b'{' | b'}' | b'?' | b'#') {
                        return false;
                    }
                    i += 1;
                }
            }
        }
        // Past the segment's `/` (a trailing one ends the loop).
        i += 1;
    }
    true
}

/// [`check`] for any template, with the error that explains a mistake.
fn check_in_full(path: &str) -> Result<(), TemplateError> {
    if !path.starts_with('/') {
        return Err(err(
            format!("path {path:?} must start with `/`"),
            format!("write \"/{}\"", path.trim_start_matches('/')),
        ));
    }
    // One pass over the bytes, characters only beyond ASCII.
    let suspect = |b: u8| b <= b' ' || b == 0x7f || b == b'?' || b == b'#' || !b.is_ascii();
    if path.bytes().fold(false, |any, b| any | suspect(b))
        && let Some(c) = path.chars().find(|c| c.is_whitespace() || c.is_control() || *c == '?' || *c == '#')
    {
        return Err(err(
            format!("path {path:?} contains {c:?}, which cannot appear in a route template"),
            "remove it; query strings are not part of the route",
        ));
    }
    let body = &path[1..];
    // "/" has no segment at all.
    let mut segments = (!body.is_empty()).then(|| Parts::of(body)).into_iter().flatten().peekable();
    // The names so far, to refuse one twice without allocating: more than `MAX_PARAMS` is refused.
    let mut seen: [&str; MAX_PARAMS + 1] = [""; MAX_PARAMS + 1];
    let mut count = 0;
    let mut named = 0;
    while let Some(seg) = segments.next() {
        let is_last = segments.peek().is_none();
        let bytes = seg.as_bytes();
        match bytes.first() {
            // A trailing slash gives one empty last segment, which is fine.
            None if is_last => continue,
            None => {
                return Err(err(
                    format!("path {path:?} has an empty segment (`//`)"),
                    "remove the doubled `/`",
                ));
            }
            // axum 0.7 wrote parameters as `:name` and catch-alls as `*name`; axum 0.8 serves those
            // segments as literal text, so a route declared that way would never match a request.
            Some(b':' | b'*') if is_param_name(&seg[1..]) => {
                let name = &seg[1..];
                let brace = if seg.starts_with('*') { format!("{{*{name}}}") } else { format!("{{{name}}}") };
                return Err(err(
                    format!("path segment `{seg}` uses axum 0.7 syntax, which axum 0.8 matches literally"),
                    format!("write the parameter as `{brace}`"),
                ));
            }
            _ => {}
        }
        if !bytes.iter().fold(false, |any, &b| any | (b == b'{') | (b == b'}')) {
            continue;
        }
        let opens = bytes.iter().filter(|&&b| b == b'{').count();
        let closes = bytes.iter().filter(|&&b| b == b'}').count();
        if opens != closes {
            return Err(err(
                format!("path {path:?} has unbalanced `{{`/`}}` in segment `{seg}`"),
                "write parameters as `{name}`",
            ));
        }
        if opens > 1 || !seg.starts_with('{') || !seg.ends_with('}') {
            return Err(err(
                format!("path segment `{seg}` mixes a parameter with other text"),
                "a parameter must be a whole segment, like `/{dashboard_id}/`",
            ));
        }
        let inner = &seg[1..seg.len() - 1];
        let (name, catch_all) = match inner.strip_prefix('*') {
            Some(rest) => (rest, true),
            None => (inner, false),
        };
        if !is_param_name(name) {
            return Err(err(
                format!("path parameter `{seg}` needs a name made of letters, digits and `_`"),
                "write parameters as `{name}`",
            ));
        }
        if catch_all && !is_last {
            return Err(err(
                format!("catch-all parameter `{seg}` must be the last segment"),
                "move `{*name}` to the end of the path",
            ));
        }
        if seen[..count].contains(&name) {
            return Err(err(
                format!("path parameter `{name}` appears twice in {path:?}"),
                "give each parameter a distinct name",
            ));
        }
        if count < seen.len() {
            seen[count] = name;
            count += 1;
        }
        if !catch_all {
            named += 1;
            if named > MAX_PARAMS {
                return Err(err(
                    format!(
                        "path {path:?} has more than {MAX_PARAMS} parameters; axum's router accepts at most {MAX_PARAMS}"
                    ),
                    "fold some of them into one `{*rest}` catch-all, or split the route",
                ));
            }
        }
    }
    Ok(())
}

fn is_param_name(s: &str) -> bool {
    is_param_name_bytes(s.as_bytes())
}

fn is_param_name_bytes(s: &[u8]) -> bool {
    matches!(s.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_')
        && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to six bytes over an alphabet that reaches each branch of both checks:
    /// the one-pass shape accepts only valid templates, and accepts the common ones.
    #[test]
    fn the_common_shape_is_a_subset_of_the_valid_templates() {
        const ALPHABET: &[u8] = b"/a{}*:_1 ?";
        let mut accepted = 0;
        let mut valid = 0;
        let mut text = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..ALPHABET.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(ALPHABET[n % ALPHABET.len()]);
                    n /= ALPHABET.len();
                }
                let path = std::str::from_utf8(&text).expect("ASCII");
                let full = check_in_full(path).is_ok();
                valid += usize::from(full);
                if common_template(&text) {
                    accepted += 1;
                    assert!(full, "{path:?} accepted in one pass but invalid");
                }
            }
        }
        // Most valid templates of this alphabet take the one pass (the others hold `*` or `:`).
        assert!(accepted * 2 > valid, "{accepted} of {valid}");
        for path in [
            "/",
            "/api/0/organizations/{organization_id_or_slug}/",
            "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
            "/health",
            "/a-b.c~d/{x_1}/e",
        ] {
            assert!(common_template(path.as_bytes()), "{path:?}");
        }
        for path in ["/files/{*rest}", "/caf\u{e9}/", "/a//b", "/{a}/{a}/", "/:id/", "/{1x}/", "/{a}b/"] {
            assert!(!common_template(path.as_bytes()), "{path:?}");
        }
    }

    #[test]
    fn parts_split_like_str_split() {
        for text in ["", "/", "a", "a/b", "/a//b/", "a/b/", "//", "{x}/{*y}"] {
            assert_eq!(Parts::of(text).collect::<Vec<_>>(), text.split('/').collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn at_most_26_parameters_as_axum() {
        let path = |n: usize| (0..n).map(|i| format!("/{{p{i}}}")).collect::<String>();
        assert!(check(&path(26)).is_ok());
        assert!(check(&format!("{}/{{*rest}}", path(26))).is_ok(), "a catch-all is not counted");
        let e = check(&path(27)).unwrap_err();
        assert!(e.message.contains("more than 26 parameters"), "{e:?}");
    }

    #[test]
    fn accepts_sentry_paths() {
        assert_eq!(
            validate("/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/")
                .map_err(|e| e.message),
            Ok(vec!["organization_id_or_slug", "dashboard_id"])
        );
        assert_eq!(validate("/").map_err(|e| e.message), Ok(vec![]));
        assert!(validate("/files/{*rest}").is_ok());
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "organizations/",
            "",
            "/a//b/",
            "/a/{x/",
            "/a/x}/",
            "/a/{}/",
            "/a/{x}{y}/",
            "/a/pre{x}/",
            "/a/{x}/b/{x}/",
            "/a/{*x}/b",
            "/a b/",
            "/a?b=1",
            "/a/{1x}/",
        ] {
            assert!(validate(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn axum_07_parameters_get_the_08_spelling() {
        let e = validate("/docs/:id/").unwrap_err();
        assert!(e.message.contains("axum 0.7"), "{}", e.message);
        assert_eq!(e.help, "write the parameter as `{id}`");
        assert_eq!(validate("/files/*rest").unwrap_err().help, "write the parameter as `{*rest}`");
        // A colon inside a literal segment is just text.
        assert!(validate("/a/b:c/").is_ok());
        assert!(validate("/a/:/").is_ok());
    }

    #[test]
    fn segments_and_params() {
        assert_eq!(params("/").count(), 0);
        assert_eq!(segments("/").collect::<Vec<_>>(), [Segment::Literal("")]);
        assert_eq!(Segment::parse("{x}").param(), Some("x"));
        assert_eq!(Segment::parse("x").param(), None);
    }
}
