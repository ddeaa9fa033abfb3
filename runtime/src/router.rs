//! The request router: a trie of path segments that matches without allocating.
//!
//! Semantics are those of `matchit` 0.8.4 (axum 0.8's router) for the templates `#[endpoint]`
//! accepts, where every parameter is a whole segment: a literal segment is preferred to a `{param}`,
//! which is preferred to a trailing `{*catch_all}`, with backtracking; a parameter matches one
//! segment (which may be empty unless it is the last one), a catch-all the non-empty rest of the
//! path. As in axum, the path is matched first, whatever the method, and the method is looked up in
//! the route found: `DELETE /a/me/` is not served by `DELETE /a/{x}/` when `GET /a/me/` exists.
//! A property test checks the agreement with `matchit`. The registry still inserts every template
//! into `matchit` to reject the ambiguous pairs `matchit` rejects.

use scopegate_core::template::{Segment, parts};

use crate::record::{Method, Methods};

/// The order of literal children: by length, then bytes, so that a search mostly compares lengths.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

#[derive(Debug, Default)]
struct Node {
    /// Literal children, sorted by [`by_length`].
    literals: Vec<(&'static str, u32)>,
    param: Option<u32>,
    /// The route (index into `Router::routes`) whose template ends with a catch-all here.
    catch_all: Option<u32>,
    /// The route whose template ends exactly here.
    value: Option<u32>,
}

/// One route: the endpoint of each method (by [`Method::index`]) whose template it is.
type Route = [Option<u32>; 7];

/// The methods a route serves: its declared ones, and `HEAD` where `GET` is declared.
fn allowed(route: &Route) -> Methods {
    let declared: Methods = Method::ALL.into_iter().filter(|m| route[m.index()].is_some()).collect();
    if declared.contains(Method::Get) { declared.with(Method::Head) } else { declared }
}

/// What [`Router::resolve`] found for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// The endpoint (index) that serves the request.
    Endpoint(u32),
    /// A route matches the path but has no endpoint for the method: these are its methods.
    OtherMethods(Methods),
    /// No route matches the path.
    Nothing,
}

/// Maps `(method, concrete path)` to an endpoint index.
#[derive(Debug)]
pub(crate) struct Router {
    nodes: Vec<Node>,
    routes: Vec<Route>,
}

impl Router {
    pub(crate) fn new() -> Router {
        Router { nodes: vec![Node::default()], routes: Vec::new() }
    }

    /// The endpoint of `method` in the route `slot` holds (creating the route if needed), set to
    /// `value` unless another endpoint is already there.
    fn claim(routes: &mut Vec<Route>, slot: &mut Option<u32>, method: Method, value: u32) -> Result<(), u32> {
        let route = match *slot {
            Some(route) => route as usize,
            None => {
                routes.push([None; 7]);
                // Route counts are bounded by the number of endpoints, far below u32::MAX.
                *slot = Some(u32::try_from(routes.len() - 1).unwrap_or(u32::MAX));
                routes.len() - 1
            }
        };
        let entry = &mut routes[route][method.index()];
        match *entry {
            Some(existing) => Err(existing),
            None => {
                *entry = Some(value);
                Ok(())
            }
        }
    }

    /// Adds a template. Returns the index already stored for the same route and method, if any
    /// (the template is then not added).
    pub(crate) fn insert(&mut self, method: Method, template: &'static str, value: u32) -> Result<(), u32> {
        let mut node = 0;
        let mut parts = parts(template).peekable();
        while let Some(part) = parts.next() {
            match Segment::parse(part) {
                Segment::CatchAll(_) if parts.peek().is_none() => {
                    return Router::claim(&mut self.routes, &mut self.nodes[node].catch_all, method, value);
                }
                // A catch-all that is not last is rejected by the macros; route it as a parameter.
                Segment::Param(_) | Segment::CatchAll(_) => {
                    node = match self.nodes[node].param {
                        Some(child) => child as usize,
                        None => {
                            let child = self.push();
                            self.nodes[node].param = Some(child);
                            child as usize
                        }
                    };
                }
                Segment::Literal(lit) => {
                    node = match self.nodes[node].literals.binary_search_by(|(s, _)| by_length(s, lit)) {
                        Ok(i) => self.nodes[node].literals[i].1 as usize,
                        Err(i) => {
                            let child = self.push();
                            self.nodes[node].literals.insert(i, (lit, child));
                            child as usize
                        }
                    };
                }
            }
        }
        Router::claim(&mut self.routes, &mut self.nodes[node].value, method, value)
    }

    fn push(&mut self) -> u32 {
        self.nodes.push(Node::default());
        // Node counts are bounded by the number of template segments, far below u32::MAX.
        u32::try_from(self.nodes.len() - 1).unwrap_or(u32::MAX)
    }

    /// The endpoint index serving `method` on the concrete `path`: the route the path matches,
    /// then that route's endpoint for `method` (for `HEAD`, else its `GET` endpoint, as axum
    /// serves `HEAD` with the `GET` handler).
    pub(crate) fn find(&self, method: Method, path: &str) -> Option<u32> {
        match self.resolve(method, path) {
            Found::Endpoint(i) => Some(i),
            Found::OtherMethods(_) | Found::Nothing => None,
        }
    }

    /// Like [`find`](Self::find), telling a path no route matches from a route without the method.
    pub(crate) fn resolve(&self, method: Method, path: &str) -> Found {
        let Some(route) = path.strip_prefix('/').and_then(|rest| self.walk(0, rest)) else {
            return Found::Nothing;
        };
        let Some(route) = self.routes.get(route as usize) else { return Found::Nothing };
        let head_as_get = if method == Method::Head { route[Method::Get.index()] } else { None };
        match route[method.index()].or(head_as_get) {
            Some(i) => Found::Endpoint(i),
            None => Found::OtherMethods(allowed(route)),
        }
    }

    /// `rest` is the unmatched part of the path after a `/`. Recursion depth is bounded by the
    /// depth of the trie (the longest template), not by the request path.
    fn walk(&self, node: u32, rest: &str) -> Option<u32> {
        let node_ref = self.nodes.get(node as usize)?;
        let (seg, tail) = match rest.bytes().position(|b| b == b'/') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if let Ok(i) = node_ref.literals.binary_search_by(|(s, _)| by_length(s, seg))
            && let Some(found) = self.descend(node_ref.literals[i].1, tail)
        {
            return Some(found);
        }
        // As in matchit 0.8.4 (axum 0.8's router): a parameter followed by `/` may be empty, a
        // final one may not.
        if let Some(child) = node_ref.param
            && (!seg.is_empty() || tail.is_some())
            && let Some(found) = self.descend(child, tail)
        {
            return Some(found);
        }
        match node_ref.catch_all {
            Some(found) if !rest.is_empty() => Some(found),
            _ => None,
        }
    }

    fn descend(&self, child: u32, tail: Option<&str>) -> Option<u32> {
        match tail {
            None => self.nodes.get(child as usize)?.value,
            Some(rest) => self.walk(child, rest),
        }
    }
}

/// The `{param}` values of a concrete path matched against its template, in template order.
///
/// ```
/// # #[scopegate::endpoint(method = GET, path = "/organizations/{org}/replays/{replay_id}/",
/// #     scopes = ["event:read"], gate = replay)]
/// # fn replay_details() {}
/// let registry = scopegate::Registry::global();
/// let route = registry.route(scopegate::Method::Get, "/organizations/acme/replays/42/").unwrap();
/// assert_eq!(route.endpoint().path(), "/organizations/{org}/replays/{replay_id}/");
/// assert_eq!(route.param("replay_id"), Some("42"));
/// assert_eq!(route.params().collect::<Vec<_>>(), [("org", "acme"), ("replay_id", "42")]);
/// ```
#[derive(Clone, Debug)]
pub struct Params<'p> {
    template: std::str::Split<'static, char>,
    path: Option<&'p str>,
}

impl<'p> Params<'p> {
    pub(crate) fn new(template: &'static str, path: &'p str) -> Params<'p> {
        Params { template: parts(template), path: Some(path.strip_prefix('/').unwrap_or(path)) }
    }
}

impl<'p> Iterator for Params<'p> {
    type Item = (&'static str, &'p str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let part = self.template.next()?;
            let rest = self.path?;
            let (seg, tail) = match rest.bytes().position(|b| b == b'/') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            match Segment::parse(part) {
                Segment::Literal(_) => self.path = tail,
                Segment::Param(name) => {
                    self.path = tail;
                    return Some((name, seg));
                }
                Segment::CatchAll(name) => {
                    self.path = None;
                    return Some((name, rest));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn router(templates: &[&'static str]) -> Router {
        let mut r = Router::new();
        for (i, t) in templates.iter().enumerate() {
            r.insert(Method::Get, t, i as u32).expect("distinct");
        }
        r
    }

    #[test]
    fn literal_beats_param_beats_catch_all_with_backtracking() {
        let r = router(&["/a/{x}/c", "/a/b/d", "/a/{*rest}", "/", "/a", "/a/"]);
        assert_eq!(r.find(Method::Get, "/a/b/d"), Some(1));
        assert_eq!(r.find(Method::Get, "/a/b/c"), Some(0));
        assert_eq!(r.find(Method::Get, "/a/b/e"), Some(2));
        assert_eq!(r.find(Method::Get, "/"), Some(3));
        assert_eq!(r.find(Method::Get, "/a"), Some(4));
        assert_eq!(r.find(Method::Get, "/a/"), Some(5));
        assert_eq!(r.find(Method::Get, "a"), None);
        assert_eq!(r.find(Method::Get, ""), None);
        assert_eq!(r.find(Method::Post, "/a/b/d"), None);
        // A parameter matches an empty segment only when a `/` follows it.
        assert_eq!(r.find(Method::Get, "/a//c"), Some(0));
        assert_eq!(r.find(Method::Get, "/a//d"), Some(2));
        let r = router(&["/o/{x}"]);
        assert_eq!(r.find(Method::Get, "/o/"), None);
        let r = router(&["/files/{*rest}"]);
        assert_eq!(r.find(Method::Get, "/files/"), None);
        assert_eq!(r.find(Method::Get, "/files/a/b/"), Some(0));
    }

    #[test]
    fn the_path_is_matched_before_the_method_as_in_axum() {
        let mut r = Router::new();
        r.insert(Method::Get, "/a/me/", 0).expect("new");
        r.insert(Method::Delete, "/a/{x}/", 1).expect("new");
        r.insert(Method::Get, "/a/{x}/", 2).expect("same route, another method");
        assert_eq!(r.insert(Method::Delete, "/a/{y}/", 3), Err(1), "same route and method");
        // axum routes `/a/me/` to its GET-only route, which has no DELETE.
        assert_eq!(r.find(Method::Delete, "/a/me/"), None);
        assert_eq!(r.find(Method::Get, "/a/me/"), Some(0));
        assert_eq!(r.find(Method::Delete, "/a/you/"), Some(1));
        assert_eq!(r.find(Method::Get, "/a/you/"), Some(2));
        assert_eq!(r.find(Method::Post, "/a/you/"), None);
    }

    #[test]
    fn params_follow_the_template() {
        let p: Vec<_> = Params::new("/o/{org}/r/{id}/", "/o/acme/r/7/").collect();
        assert_eq!(p, [("org", "acme"), ("id", "7")]);
        let p: Vec<_> = Params::new("/files/{*rest}", "/files/a/b/").collect();
        assert_eq!(p, [("rest", "a/b/")]);
        assert_eq!(Params::new("/", "/").count(), 0);
    }

    fn template() -> impl Strategy<Value = String> {
        let seg = prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "ab", "c"]).prop_map(str::to_string),
            2 => Just("{p}".to_string()),
        ];
        (prop::collection::vec(seg, 0..4), any::<bool>(), any::<bool>()).prop_map(|(segs, slash, catch)| {
            let mut t = String::new();
            for (i, s) in segs.iter().enumerate() {
                // Distinct parameter names, as the macros require.
                t.push('/');
                t.push_str(&s.replace("{p}", &format!("{{p{i}}}")));
            }
            if catch {
                t.push_str("/{*rest}");
            } else if slash || t.is_empty() {
                t.push('/');
            }
            t
        })
    }

    fn concrete() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(vec!["a", "b", "ab", "c", "x", ""]), 0..6)
            .prop_map(|segs| format!("/{}", segs.join("/")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The trie agrees with matchit (axum's router) on every template set matchit accepts.
        #[test]
        fn agrees_with_matchit(templates in prop::collection::vec(template(), 1..8), paths in prop::collection::vec(concrete(), 1..8)) {
            let templates: Vec<&'static str> =
                templates.into_iter().map(|t| &*Box::leak(t.into_boxed_str())).collect();
            let mut m = matchit::Router::new();
            let mut ours = Router::new();
            for (i, &t) in templates.iter().enumerate() {
                if m.insert(t, i as u32).is_ok() {
                    prop_assert!(ours.insert(Method::Get, t, i as u32).is_ok(), "{t} accepted by matchit only");
                }
            }
            for p in &paths {
                let expected = m.at(p).ok().map(|x| *x.value);
                prop_assert_eq!(ours.find(Method::Get, p), expected, "path {}", p);
                if let Ok(found) = m.at(p) {
                    let t = templates[*found.value as usize];
                    let want: Vec<(&str, &str)> = found.params.iter().collect();
                    let got: Vec<(&str, &str)> = Params::new(t, p).collect();
                    prop_assert_eq!(got, want, "params of {} in {}", p, t);
                }
            }
        }

        /// With several methods, routing is axum's: matchit finds the route by path alone (one
        /// per template), then the route's handler for the method, if any.
        #[test]
        fn agrees_with_axum_across_methods(
            templates in prop::collection::vec((template(), 0..3usize), 1..8),
            paths in prop::collection::vec(concrete(), 1..8),
        ) {
            let methods = [Method::Get, Method::Put, Method::Delete];
            let mut m: matchit::Router<usize> = matchit::Router::new();
            let mut routes: Vec<(&'static str, [Option<u32>; 3])> = Vec::new();
            let mut ours = Router::new();
            for (i, (t, method)) in templates.into_iter().enumerate() {
                let t: &'static str = Box::leak(t.into_boxed_str());
                let route = match routes.iter().position(|(existing, _)| *existing == t) {
                    Some(route) => route,
                    None if m.insert(t, routes.len()).is_ok() => {
                        routes.push((t, [None; 3]));
                        routes.len() - 1
                    }
                    None => continue,
                };
                if routes[route].1[method].is_none() {
                    routes[route].1[method] = Some(i as u32);
                    prop_assert!(ours.insert(methods[method], t, i as u32).is_ok(), "{t} accepted by axum only");
                }
            }
            for p in &paths {
                for (k, method) in methods.into_iter().enumerate() {
                    let expected = m.at(p).ok().and_then(|x| routes[*x.value].1[k]);
                    prop_assert_eq!(ours.find(method, p), expected, "{} {}", method, p);
                }
            }
        }
    }
}
