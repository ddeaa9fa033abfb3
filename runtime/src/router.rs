//! The request router: a trie of path segments that matches without allocating.
//!
//! Semantics are those of `matchit` 0.8.4 (axum 0.8's router) for the templates `#[endpoint]`
//! accepts, where every parameter is a whole segment: a literal segment is preferred to a `{param}`,
//! which is preferred to a trailing `{*catch_all}`, with backtracking; a parameter matches one
//! segment (which may be empty unless it is the last one), a catch-all the non-empty rest of the
//! path. As in axum, the path is matched first, whatever the method, and the method is looked up in
//! the route found: `DELETE /a/me/` is not served by `DELETE /a/{x}/` when `GET /a/me/` exists.
//!
//! The router also rejects what `matchit` refuses to insert, so that a registry that builds is one
//! axum can mount: two templates that differ only in their parameter names, and a `{param}` beside
//! a `{*catch_all}` at the same position. Property tests compare both the matching and the
//! accept/reject answers with `matchit` itself.
//!
//! A node's few literal children are compared in place with the request path (no scan for the
//! segment's end); a node with more is indexed by a static hash table over the segment's first and
//! last words, so a node with thousands of resources costs one hash per request segment.

use scopegate_core::template::{Parts, Segment, parts};

use crate::record::{Method, Methods};

/// No node, route or endpoint.
const NONE: u32 = u32::MAX;

/// Above this many literal children, a node indexes them by hash (below, comparing them in place
/// with the path is faster than hashing the segment).
const LINEAR_MAX: usize = 16;

/// A node's literal children, keyed by their bytes (a segment of a request path is cut at an
/// ASCII `/`, so comparing bytes is comparing text).
#[derive(Debug)]
enum Literals {
    /// Few children, compared in place with the path.
    Few(Vec<Edge>),
    /// Many children, by hash.
    Many(LiteralTable),
}

/// A literal child among few: its first (up to) eight bytes as a word, so that most candidates
/// are told apart from the path by one masked comparison.
#[derive(Debug, Clone, Copy)]
struct Edge {
    head: u64,
    mask: u64,
    literal: &'static [u8],
    child: u32,
    /// The literal spans several segments (a joined chain).
    joins: bool,
    /// The template the literal was cut from, and where: [`Router::compress`] joins the literals
    /// of a chain of nodes into one slice of it.
    template: &'static str,
    offset: usize,
}

impl Edge {
    /// The edge for `template[offset..offset + len]`.
    fn new(template: &'static str, offset: usize, len: usize, child: u32) -> Edge {
        let literal = template.as_bytes().get(offset..offset + len).unwrap_or_default();
        let mask = if literal.len() >= 8 { u64::MAX } else { (1u64 << (8 * literal.len())) - 1 };
        let joins = literal.contains(&b'/');
        Edge { head: head(literal) & mask, mask, literal, child, joins, template, offset }
    }

    /// The edge for this literal followed by `/` and `next`'s, when both are cut from one
    /// template in that order.
    fn joined(&self, next: &Edge) -> Option<Edge> {
        let contiguous =
            std::ptr::eq(self.template, next.template) && next.offset == self.offset + self.literal.len() + 1;
        contiguous.then(|| {
            Edge::new(self.template, self.offset, self.literal.len() + 1 + next.literal.len(), next.child)
        })
    }

    /// Does `rest` (whose first word is `rest_head`) start with this literal, as a whole segment?
    #[inline(always)]
    fn matches(&self, rest: &[u8], rest_head: u64) -> bool {
        let n = self.literal.len();
        rest_head & self.mask == self.head
            && match rest.get(n) {
                Some(&after) => after == b'/',
                None => rest.len() == n,
            }
            && (n <= 8 || matches!((rest.get(8..n), self.literal.get(8..)), (Some(a), Some(b)) if same(a, b)))
    }
}

/// The first (up to) eight bytes of `s` as a little-endian word, zero-padded.
#[inline(always)]
fn head(s: &[u8]) -> u64 {
    match s.get(..8) {
        Some(w) => u64::from_le_bytes(w.try_into().unwrap_or_default()),
        None => s.iter().rev().fold(0, |word, &b| word << 8 | u64::from(b)),
    }
}

/// The first and last (up to) eight bytes of a segment, as two words: what [`same`] compares and
/// [`LiteralTable`] hashes, loaded once.
#[inline(always)]
fn words(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    let w8 =
        |at: usize| s.get(at..at + 8).map_or(0, |w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
    let w4 = |at: usize| {
        s.get(at..at + 4).map_or(0, |w| u64::from(u32::from_le_bytes(w.try_into().unwrap_or_default())))
    };
    match n {
        0 => (0, 0),
        1..=3 => (u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16, 0),
        4..=7 => (w4(0), w4(n - 4)),
        _ => (w8(0), w8(n - 8)),
    }
}

/// The length of the segment `rest` starts with: up to its first `/`. Eight bytes at a time
/// (the classic "has a zero byte" test on the word XOR `////////`), then byte by byte.
#[inline(always)]
fn segment_len(rest: &[u8]) -> usize {
    const SLASHES: u64 = u64::from_ne_bytes([b'/'; 8]);
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut at = 0;
    while let Some(chunk) = rest.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default()) ^ SLASHES;
        let zero = word.wrapping_sub(LOW) & !word & HIGH;
        if zero != 0 {
            // The lowest flagged byte is the first `/` (flags above it may be false positives).
            return at + (zero.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + rest[at..].iter().position(|&b| b == b'/').unwrap_or(rest.len() - at)
}

/// `a == b` for the short strings of path segments without a call to `memcmp`: for up to 16
/// bytes, two overlapping loads each side cover every byte.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() <= 16 { words(a) == words(b) } else { a == b }
}

/// A static hash index of many literal children. Hand-written rather than a general map because it
/// is on every request's path: it hashes the two words [`same`] compares (a general hasher reads the
/// whole segment, then the map compares it again through `memcmp`); keys are the service's own
/// templates, fixed at build time, so a request cannot lengthen its probe sequences.
#[derive(Debug)]
struct LiteralTable {
    /// Open addressing, linear probing: an index into `entries`, or `NONE`.
    slots: Box<[u32]>,
    entries: Vec<(&'static [u8], u32)>,
}

impl LiteralTable {
    #[inline(always)]
    fn hash(segment: &[u8]) -> usize {
        let (first, last) = words(segment);
        let h = (first ^ (segment.len() as u64).rotate_left(40)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ last.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        // The high bits are the best mixed.
        (h >> 32) as usize
    }

    fn build(entries: Vec<(&'static [u8], u32)>) -> LiteralTable {
        // Room for twice as many: `insert` rebuilds when the table becomes half full.
        let size = (entries.len() * 4).next_power_of_two().max(16);
        let mut slots = vec![NONE; size].into_boxed_slice();
        for (i, (lit, _)) in entries.iter().enumerate() {
            let mut at = LiteralTable::hash(lit) & (size - 1);
            while slots[at] != NONE {
                at = (at + 1) & (size - 1);
            }
            slots[at] = index_u32(i);
        }
        LiteralTable { slots, entries }
    }

    /// Adds a child, doubling the table when it would be more than half full.
    fn insert(&mut self, literal: &'static [u8], child: u32) {
        self.entries.push((literal, child));
        if self.entries.len() * 2 > self.slots.len() {
            *self = LiteralTable::build(std::mem::take(&mut self.entries));
            return;
        }
        let mask = self.slots.len() - 1;
        let mut at = LiteralTable::hash(literal) & mask;
        while self.slots[at] != NONE {
            at = (at + 1) & mask;
        }
        self.slots[at] = index_u32(self.entries.len() - 1);
    }

    #[inline(always)]
    fn get(&self, segment: &[u8]) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = LiteralTable::hash(segment) & mask;
        // The table is at most half full: an empty slot ends every probe sequence.
        loop {
            let (lit, child) = *self.entries.get(*self.slots.get(at)? as usize)?;
            if same(lit, segment) {
                return Some(child);
            }
            at = (at + 1) & mask;
        }
    }
}

impl Literals {
    fn is_empty(&self) -> bool {
        match self {
            Literals::Few(children) => children.is_empty(),
            Literals::Many(wide) => wide.entries.is_empty(),
        }
    }

    #[inline(always)]
    fn get(&self, segment: &[u8]) -> Option<u32> {
        match self {
            Literals::Few(children) => children.iter().find(|e| same(e.literal, segment)).map(|e| e.child),
            Literals::Many(children) => children.get(segment),
        }
    }

    /// Adds `literal`, a segment of `template`, leading to `child`.
    fn insert(&mut self, template: &'static str, literal: &'static str, child: u32) {
        // `literal` is a part of `template` (see `Router::insert`).
        let offset = (literal.as_ptr() as usize).wrapping_sub(template.as_ptr() as usize);
        let literal = literal.as_bytes();
        match self {
            Literals::Few(children) if children.len() < LINEAR_MAX => {
                children.push(Edge::new(template, offset, literal.len(), child));
            }
            Literals::Few(children) => {
                let mut entries: Vec<_> = children.iter().map(|e| (e.literal, e.child)).collect();
                entries.push((literal, child));
                *self = Literals::Many(LiteralTable::build(entries));
            }
            Literals::Many(wide) => wide.insert(literal, child),
        }
    }
}

#[derive(Debug)]
struct Node {
    literals: Literals,
    /// The `{param}` child.
    param: u32,
    /// The route (index into `Router::routes`) whose template ends with a catch-all here.
    catch_all: u32,
    /// The route whose template ends exactly here.
    value: u32,
    /// The first endpoint whose template passes through this node: what a conflict names.
    first: u32,
    /// The route of this node's trailing `/` (its empty literal child), for the lookup's
    /// shortcut at the end of a path; set by [`Router::compress`].
    slash: u32,
}

impl Node {
    fn new(first: u32) -> Node {
        Node {
            literals: Literals::Few(Vec::new()),
            param: NONE,
            catch_all: NONE,
            value: NONE,
            first,
            slash: NONE,
        }
    }
}

/// One route: a template, and the endpoint of each method (by [`Method::index`]) declared on it.
#[derive(Debug)]
struct Route {
    template: &'static str,
    endpoints: [u32; 7],
}

impl Route {
    /// The endpoint serving `method`: its own, or for `HEAD` the `GET` one (axum serves `HEAD`
    /// with the `GET` handler).
    #[inline]
    fn endpoint(&self, method: Method) -> Option<u32> {
        let own = self.endpoints[method.index()];
        let own =
            if own == NONE && method == Method::Head { self.endpoints[Method::Get.index()] } else { own };
        (own != NONE).then_some(own)
    }

    /// The methods the route serves: its declared ones, and `HEAD` where `GET` is declared.
    fn allowed(&self) -> Methods {
        let declared: Methods =
            Method::ALL.into_iter().filter(|m| self.endpoints[m.index()] != NONE).collect();
        if declared.contains(Method::Get) { declared.with(Method::Head) } else { declared }
    }

    /// The first endpoint declared on the route.
    fn first(&self) -> u32 {
        self.endpoints.iter().copied().find(|&e| e != NONE).unwrap_or(NONE)
    }
}

/// Why [`Router::insert`] refused a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// The route already has an endpoint for the method: this one.
    SameRoute(u32),
    /// Another template, with other parameter names, matches exactly the same paths: the endpoint
    /// that declared it first.
    SameShape(u32),
    /// A `{param}` and a `{*catch_all}` at the same position: the first endpoint with the other one.
    ParamBesideCatchAll(u32),
}

/// What [`Router::resolve`] found for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteMatch {
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

/// Node and route counts are bounded by the number of template segments and endpoints.
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

impl Router {
    pub(crate) fn new() -> Router {
        Router { nodes: vec![Node::new(NONE)], routes: Vec::new() }
    }

    /// Adds `template` for `method`, served by endpoint `value`, unless it conflicts (see
    /// [`Conflict`]); a refused template leaves the routes as they were. Returns the route's
    /// index, for [`add_method`](Self::add_method).
    pub(crate) fn insert(
        &mut self,
        method: Method,
        template: &'static str,
        value: u32,
    ) -> Result<u32, Conflict> {
        let mut node = 0usize;
        let mut parts = parts(template).peekable();
        while let Some(part) = parts.next() {
            match Segment::parse(part) {
                Segment::CatchAll(_) if parts.peek().is_none() => {
                    let param = self.nodes[node].param;
                    if param != NONE {
                        return Err(Conflict::ParamBesideCatchAll(self.nodes[param as usize].first));
                    }
                    let slot = self.nodes[node].catch_all;
                    let route = self.claim(slot, method, template, value)?;
                    self.nodes[node].catch_all = route;
                    return Ok(route);
                }
                // A catch-all that is not last is rejected by the macros (and by the registry's
                // template check); route it as a parameter.
                Segment::Param(_) | Segment::CatchAll(_) => {
                    let catch_all = self.nodes[node].catch_all;
                    if catch_all != NONE {
                        return Err(Conflict::ParamBesideCatchAll(self.routes[catch_all as usize].first()));
                    }
                    node = match self.nodes[node].param {
                        NONE => {
                            let child = self.push(value);
                            self.nodes[node].param = child;
                            child as usize
                        }
                        child => child as usize,
                    };
                }
                Segment::Literal(lit) => {
                    node = match self.nodes[node].literals.get(lit.as_bytes()) {
                        Some(child) => child as usize,
                        None => {
                            let child = self.push(value);
                            self.nodes[node].literals.insert(template, lit, child);
                            child as usize
                        }
                    };
                }
            }
        }
        let slot = self.nodes[node].value;
        let route = self.claim(slot, method, template, value)?;
        self.nodes[node].value = route;
        Ok(route)
    }

    /// [`insert`](Self::insert), without the walk when `route` (an index `insert` returned) is
    /// the route of `template`.
    pub(crate) fn add_method(
        &mut self,
        route: u32,
        method: Method,
        template: &'static str,
        value: u32,
    ) -> Result<u32, Conflict> {
        match self.routes.get(route as usize) {
            Some(r) if r.template == template => self.claim(route, method, template, value),
            _ => self.insert(method, template, value),
        }
    }

    /// The route in `slot` (a new one if it is empty) with `value` for `method`: its index.
    fn claim(
        &mut self,
        slot: u32,
        method: Method,
        template: &'static str,
        value: u32,
    ) -> Result<u32, Conflict> {
        if slot == NONE {
            let mut endpoints = [NONE; 7];
            endpoints[method.index()] = value;
            self.routes.push(Route { template, endpoints });
            return Ok(index_u32(self.routes.len() - 1));
        }
        let route = &mut self.routes[slot as usize];
        if route.template != template {
            return Err(Conflict::SameShape(route.first()));
        }
        match route.endpoints[method.index()] {
            NONE => {
                route.endpoints[method.index()] = value;
                Ok(slot)
            }
            existing => Err(Conflict::SameRoute(existing)),
        }
    }

    /// Joins each chain of nodes that offer one way on — a single literal child, no parameter, no
    /// catch-all, no route — into one edge (`/api/0/` is then one comparison). For lookups only:
    /// call it after the last [`insert`](Self::insert); nothing a lookup finds changes.
    pub(crate) fn compress(&mut self) {
        let only_way_on = |node: &Node| match &node.literals {
            Literals::Few(children) if children.len() == 1 => {
                (node.param == NONE && node.catch_all == NONE && node.value == NONE).then(|| children[0])
            }
            _ => None,
        };
        for i in 0..self.nodes.len() {
            // A trailing `/` leads to a node that only ends a route.
            let slash = self.nodes[i].literals.get(b"").and_then(|child| self.nodes.get(child as usize));
            self.nodes[i].slash = match slash {
                Some(end) if end.param == NONE && end.catch_all == NONE && end.literals.is_empty() => {
                    end.value
                }
                _ => NONE,
            };
            let Literals::Few(children) = &self.nodes[i].literals else { continue };
            let mut edges = children.clone();
            for edge in &mut edges {
                while let Some(next) = self.nodes.get(edge.child as usize).and_then(only_way_on)
                    && let Some(joined) = edge.joined(&next)
                {
                    *edge = joined;
                }
            }
            self.nodes[i].literals = Literals::Few(edges);
        }
    }

    fn push(&mut self, first: u32) -> u32 {
        self.nodes.push(Node::new(first));
        index_u32(self.nodes.len() - 1)
    }

    /// The endpoint index serving `method` on the concrete `path`: the route the path matches,
    /// then that route's endpoint for `method` (for `HEAD`, else its `GET` endpoint, as axum
    /// serves `HEAD` with the `GET` handler).
    pub(crate) fn find(&self, method: Method, path: &str) -> Option<u32> {
        match self.resolve(method, path) {
            RouteMatch::Endpoint(i) => Some(i),
            RouteMatch::OtherMethods(_) | RouteMatch::Nothing => None,
        }
    }

    /// Like [`find`](Self::find), telling a path no route matches from a route without the method.
    #[inline]
    pub(crate) fn resolve(&self, method: Method, path: &str) -> RouteMatch {
        let path = path.as_bytes();
        let Some(route) = (path.first() == Some(&b'/')).then(|| self.walk(0, path, 1)).flatten() else {
            return RouteMatch::Nothing;
        };
        let Some(route) = self.routes.get(route as usize) else { return RouteMatch::Nothing };
        match route.endpoint(method) {
            Some(i) => RouteMatch::Endpoint(i),
            None => RouteMatch::OtherMethods(route.allowed()),
        }
    }

    /// The route matching `path[start..]`, the part of the path after a `/`, from `node`.
    ///
    /// Walks down without recursion while a node offers one way on; recurses only where a
    /// literal child matches and a `{param}` or `{*catch_all}` is the way back if it leads
    /// nowhere (the router refuses a parameter beside a catch-all, so there is never a third).
    /// The depth is bounded by the trie's (the longest template), not by the request path.
    fn walk(&self, mut node: u32, path: &[u8], mut start: usize) -> Option<u32> {
        loop {
            let here = self.nodes.get(node as usize)?;
            let rest = path.get(start..)?;
            if rest.is_empty() && here.slash != NONE {
                return Some(here.slash);
            }
            // Where the segment ends, found by scanning only when needed: a few literal children
            // are compared with the path in place.
            let segment_len = || segment_len(rest);
            // The literal child that matches and the length of the path it covers (several
            // segments for a joined chain, see `compress`), and the first segment's length if
            // that is known already.
            let (literal, mut known_len) = match &here.literals {
                Literals::Few(children) => {
                    let rest_head = head(rest);
                    match children.iter().find(|e| e.matches(rest, rest_head)) {
                        Some(e) => (Some((e.child, e.literal.len())), (!e.joins).then_some(e.literal.len())),
                        None => (None, None),
                    }
                }
                Literals::Many(children) => {
                    let len = segment_len();
                    (children.get(&rest[..len]).map(|child| (child, len)), Some(len))
                }
            };
            let wildcard = here.param != NONE || here.catch_all != NONE;
            if let Some((child, len)) = literal {
                // The next segment starts after the `/`; `None` when this is the last one.
                let next = (len < rest.len()).then_some(start + len + 1);
                match next {
                    None => {
                        let value = self.nodes.get(child as usize)?.value;
                        if value != NONE {
                            return Some(value);
                        }
                    }
                    // The only way on: no need to come back.
                    Some(next) if !wildcard => {
                        node = child;
                        start = next;
                        continue;
                    }
                    Some(next) => {
                        if let Some(found) = self.walk(child, path, next) {
                            return Some(found);
                        }
                    }
                }
            }
            // As in matchit 0.8.4 (axum 0.8's router): a parameter followed by `/` may be empty,
            // a final one may not.
            if here.param != NONE {
                let len = *known_len.get_or_insert_with(segment_len);
                let next = (len < rest.len()).then_some(start + len + 1);
                if len == 0 && next.is_none() {
                    return None;
                }
                match next {
                    None => return Some(self.nodes.get(here.param as usize)?.value).filter(|&v| v != NONE),
                    Some(next) => {
                        node = here.param;
                        start = next;
                        continue;
                    }
                }
            }
            // A catch-all takes a non-empty rest.
            return (here.catch_all != NONE && !rest.is_empty()).then_some(here.catch_all);
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
    template: Parts<'static>,
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
        // (matchit refuses a `{param}` beside a `{*catch_all}`: the catch-all is one level up.)
        let r = router(&["/a/{x}/c", "/a/b/d", "/{*rest}", "/", "/a", "/a/"]);
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
        assert!(matches!(r.insert(Method::Delete, "/a/{y}/", 3), Err(Conflict::SameShape(_))), "other names");
        assert_eq!(
            r.insert(Method::Delete, "/a/{x}/", 3),
            Err(Conflict::SameRoute(1)),
            "same route and method"
        );
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

    /// Templates over a small alphabet, so that sets share prefixes; parameter and catch-all names
    /// vary, so that sets hold templates that differ only in names.
    fn template() -> impl Strategy<Value = String> {
        let seg = prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "ab", "c"]).prop_map(str::to_string),
            2 => prop::sample::select(vec!["p", "q"]).prop_map(|name| format!("{{{name}}}")),
        ];
        let end = prop_oneof![
            2 => Just(String::new()),
            2 => Just("/".to_string()),
            1 => prop::sample::select(vec!["/{*rest}", "/{*tail}"]).prop_map(str::to_string),
        ];
        (prop::collection::vec(seg, 0..4), end).prop_map(|(segs, end)| {
            let mut t = String::new();
            for (i, s) in segs.iter().enumerate() {
                // Distinct parameter names within a template, as the macros require.
                t.push('/');
                t.push_str(&s.replace('}', &format!("{i}}}")));
            }
            t.push_str(&end);
            if t.is_empty() {
                t.push('/');
            }
            t
        })
    }

    fn concrete() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(vec!["a", "b", "ab", "c", "x", ""]), 0..6)
            .prop_map(|segs| format!("/{}", segs.join("/")))
    }

    fn leak(t: String) -> &'static str {
        Box::leak(t.into_boxed_str())
    }

    /// Inserts `templates` (all for GET) into both routers, comparing every accept/reject answer,
    /// then compares the endpoint and the parameters each path finds.
    fn compare_with_matchit(templates: &[&'static str], paths: &[String]) -> Result<(), TestCaseError> {
        let mut m = matchit::Router::new();
        let mut ours = Router::new();
        for (i, &t) in templates.iter().enumerate() {
            let theirs = m.insert(t, i as u32);
            let mine = ours.insert(Method::Get, t, i as u32);
            prop_assert_eq!(
                mine.is_ok(),
                theirs.is_ok(),
                "inserting {} after {:?}: {:?} / {:?}",
                t,
                &templates[..i],
                mine,
                theirs
            );
        }
        ours.compress();
        for p in paths {
            let expected = m.at(p).ok().map(|x| *x.value);
            prop_assert_eq!(ours.find(Method::Get, p), expected, "path {}", p);
            if let Ok(found) = m.at(p) {
                let t = templates[*found.value as usize];
                let want: Vec<(&str, &str)> = found.params.iter().collect();
                let got: Vec<(&str, &str)> = Params::new(t, p).collect();
                prop_assert_eq!(got, want, "params of {} in {}", p, t);
            }
        }
        Ok(())
    }

    #[test]
    fn conflicts_are_matchits() {
        let mut r = Router::new();
        r.insert(Method::Get, "/a/{x}/", 0).expect("new");
        r.insert(Method::Put, "/a/{x}/", 1).expect("same template, another method");
        assert_eq!(r.insert(Method::Get, "/a/{x}/", 2), Err(Conflict::SameRoute(0)));
        assert_eq!(r.insert(Method::Delete, "/a/{y}/", 3), Err(Conflict::SameShape(0)));
        assert_eq!(r.insert(Method::Get, "/a/{*rest}", 4), Err(Conflict::ParamBesideCatchAll(0)));
        r.insert(Method::Get, "/b/{*rest}", 5).expect("new");
        assert_eq!(r.insert(Method::Get, "/b/{x}/c", 6), Err(Conflict::ParamBesideCatchAll(5)));
        assert_eq!(r.insert(Method::Get, "/b/{*tail}", 7), Err(Conflict::SameShape(5)));
        r.insert(Method::Get, "/b/", 8).expect("the catch-all needs a non-empty rest");
        r.insert(Method::Get, "/b/c/", 9).expect("literals beside a catch-all");
        // A refused template changed nothing.
        assert_eq!(r.find(Method::Delete, "/a/1/"), None);
        assert_eq!(r.find(Method::Get, "/b/x/c"), Some(5));
    }

    #[test]
    fn many_literal_children_are_hashed() {
        let templates: Vec<&'static str> = (0..100).map(|i| leak(format!("/r/res{i}/{{id}}/"))).collect();
        let r = router(&templates);
        assert!(r.nodes.iter().any(|n| matches!(n.literals, Literals::Many(_))));
        assert_eq!(r.find(Method::Get, "/r/res57/x/"), Some(57));
        assert_eq!(r.find(Method::Get, "/r/res100/x/"), None);
        assert_eq!(r.find(Method::Get, "/r/res5/"), None);
    }

    /// Route tables shaped like real APIs: hundreds of routes under a versioned prefix, resources
    /// with list and detail routes, nested resources, literal siblings of parameters (`me`,
    /// `stats`), catch-alls, with and without trailing slashes.
    fn api_table() -> impl Strategy<Value = Vec<String>> {
        let resource = prop::sample::select(vec![
            "projects",
            "teams",
            "members",
            "replays",
            "issues",
            "events",
            "releases",
            "files",
            "me",
            "stats",
            "dashboards",
            "searches",
            "alerts",
            "monitors",
            "keys",
        ]);
        let route = (
            prop::sample::select(vec!["organizations", "projects", "teams", "users"]),
            prop::collection::vec((resource, 0..4u8), 0..4),
            0..4u8,
            any::<bool>(),
        )
            .prop_map(|(area, chain, end, long_name)| {
                // Two spellings of the area's parameter: tables hold templates that differ only
                // in parameter names, which matchit refuses.
                let name = if long_name { "id_or_slug" } else { "id" };
                let mut t = format!("/api/0/{area}/{{{area}_{name}}}");
                for (k, (resource, form)) in chain.into_iter().enumerate() {
                    t.push('/');
                    t.push_str(resource);
                    // A resource, its detail, or (at most once per table shape) its catch-all.
                    match form {
                        0 | 1 => t.push_str(&format!("/{{{resource}_{k}}}")),
                        _ => {}
                    }
                }
                match end {
                    0 => t.push('/'),
                    1 => t.push_str("/{*path}"),
                    _ => {}
                }
                t
            });
        prop::collection::vec(route, 100..400)
    }

    /// Concrete paths for `templates`: each with its parameters replaced by values (some of them
    /// literal words, to exercise backtracking), plus the path cut short or extended.
    fn requests_for(templates: &[&'static str], seed: u64) -> Vec<String> {
        let values = ["acme", "me", "stats", "42", "", "projects", "x/y"];
        let mut state = seed | 1;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut out = Vec::new();
        for t in templates {
            let path: String = parts(t)
                .map(|part| match Segment::parse(part) {
                    Segment::Literal(lit) => lit.to_string(),
                    Segment::Param(_) | Segment::CatchAll(_) => values[next(values.len())].to_string(),
                })
                .fold(String::new(), |mut p, s| {
                    p.push('/');
                    p.push_str(&s);
                    p
                });
            let cut = path.rfind('/').map(|i| path[..i].to_string()).unwrap_or_default();
            out.push(format!("{path}x/"));
            out.push(cut);
            out.push(path);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The trie accepts and rejects exactly the templates matchit (axum's router) accepts and
        /// rejects, and then finds what matchit finds, with the same parameters.
        #[test]
        fn agrees_with_matchit(templates in prop::collection::vec(template(), 1..8), paths in prop::collection::vec(concrete(), 1..8)) {
            let templates: Vec<&'static str> = templates.into_iter().map(leak).collect();
            compare_with_matchit(&templates, &paths)?;
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
            let mut via_add_method = Router::new();
            let mut previous = NONE;
            for (i, (t, method)) in templates.into_iter().enumerate() {
                let t = leak(t);
                // axum: a new template is a new matchit route; a known one gets another method,
                // unless the method is taken (axum panics on both refusals).
                let (route, accepted) = match routes.iter().position(|(existing, _)| *existing == t) {
                    Some(route) => (Some(route), routes[route].1[method].is_none()),
                    None if m.insert(t, routes.len()).is_ok() => {
                        routes.push((t, [None; 3]));
                        (Some(routes.len() - 1), true)
                    }
                    None => (None, false),
                };
                let mine = ours.insert(methods[method], t, i as u32);
                prop_assert_eq!(mine.is_ok(), accepted, "{} {}: {:?}", methods[method], t, mine);
                // The registry's shortcut for the next method of the route it just inserted.
                let shortcut = via_add_method.add_method(previous, methods[method], t, i as u32);
                prop_assert_eq!(shortcut.is_ok(), accepted, "add_method {} {}", methods[method], t);
                previous = shortcut.unwrap_or(previous);
                if let (Some(route), true) = (route, accepted) {
                    routes[route].1[method] = Some(i as u32);
                }
            }
            via_add_method.compress();
            for p in &paths {
                for (k, method) in methods.into_iter().enumerate() {
                    let expected = m.at(p).ok().and_then(|x| routes[*x.value].1[k]);
                    prop_assert_eq!(ours.find(method, p), expected, "{} {}", method, p);
                    prop_assert_eq!(via_add_method.find(method, p), expected, "add_method: {} {}", method, p);
                }
            }
        }
    }

    proptest! {
        /// The word-wise scan finds the first `/` as a byte scan does.
        #[test]
        fn segment_len_finds_the_first_slash(bytes in prop::collection::vec(prop::sample::select(vec![b'a', b'/', 0x2e, 0x30, 0xaf, 0x2f ^ 0x80]), 0..40)) {
            prop_assert_eq!(segment_len(&bytes), bytes.iter().position(|&b| b == b'/').unwrap_or(bytes.len()));
        }

        /// The word-wise comparison is byte equality, at every length.
        #[test]
        fn same_is_byte_equality(a in prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'/']), 0..40),
                                 b in prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'/']), 0..40),
                                 cut in 0..40usize) {
            prop_assert_eq!(same(&a, &b), a == b);
            let shared = &a[..cut.min(a.len())];
            prop_assert!(same(shared, shared));
            let mut other = shared.to_vec();
            if let Some(last) = other.last_mut() {
                *last = if *last == b'a' { b'b' } else { b'a' };
                prop_assert!(!same(shared, &other));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Real-world-shaped tables of hundreds of routes: the same accept/reject answers and
        /// the same matches as matchit.
        #[test]
        fn agrees_with_matchit_on_api_sized_tables(table in api_table(), seed in any::<u64>()) {
            let templates: Vec<&'static str> = table.into_iter().map(leak).collect();
            let paths = requests_for(&templates, seed);
            compare_with_matchit(&templates, &paths)?;
        }

    }
}
