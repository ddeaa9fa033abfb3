//! Scope sets: the scopes of one vocabulary as a bitset of up to 1,024 scopes.
//!
//! Bit `i` stands for `config.vocabulary().scopes()[i]`. A [`Registry`](crate::Registry) turns scope
//! names into sets ([`Registry::scope_set`](crate::Registry::scope_set)), closes them under the
//! vocabulary's hierarchy ([`Registry::closure`](crate::Registry::closure)) and names them again
//! ([`Registry::scope_names`](crate::Registry::scope_names)); the set itself knows no names.
//!
//! The engine keeps an endpoint's requirement as a [`Window`]: the 128 bits of a set that hold
//! all of its scopes. Every requirement of a vocabulary of up to 128 scopes fits one (at word 0),
//! and so do most requirements of a larger one (an endpoint requires a few related scopes), so a
//! decision tests the caller's set in two word operations whatever the vocabulary's size.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Sub};

/// Words of 64 bits in a [`ScopeSet`].
const WORDS: usize = scopegate_core::MAX_SCOPES / 64;

/// A set of scopes of one vocabulary, as a bitset (bit `i` = `config.vocabulary().scopes()[i]`).
///
/// Every operation is a handful of integer instructions; a set is `Copy` (128 bytes) and never
/// allocates.
///
/// ```
/// use scopegate::ScopeSet;
/// let read = ScopeSet::single(0);
/// let write = ScopeSet::single(1);
/// let both = read | write;
/// assert!(both.contains_any(write));
/// assert!(both.is_superset(read));
/// assert_eq!((both - read), write);
/// assert_eq!(both.len(), 2);
/// assert_eq!(both.indices().collect::<Vec<_>>(), [0, 1]);
/// assert!(ScopeSet::EMPTY.is_empty());
/// // Up to 1,024 scopes.
/// let last = ScopeSet::single(ScopeSet::CAPACITY - 1);
/// assert_eq!(last.indices().collect::<Vec<_>>(), [1023]);
/// assert!(ScopeSet::single(ScopeSet::CAPACITY).is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeSet([u64; WORDS + 1]);

// The last word is always zero: a window read at word `at ≤ 15` reads words `at` and `at + 1`
// without a bounds check (see `window`).

impl Default for ScopeSet {
    fn default() -> ScopeSet {
        ScopeSet::EMPTY
    }
}

impl ScopeSet {
    /// The most scopes a vocabulary can hold.
    pub const CAPACITY: usize = WORDS * 64;

    /// The empty set.
    pub const EMPTY: ScopeSet = ScopeSet([0; WORDS + 1]);

    /// The set whose bits are `words` (bit `i` is bit `i % 64` of `words[i / 64]`).
    pub const fn from_words(words: [u64; WORDS]) -> ScopeSet {
        let mut set = ScopeSet::EMPTY;
        let mut w = 0;
        while w < WORDS {
            set.0[w] = words[w];
            w += 1;
        }
        set
    }

    /// The raw bits, as 64-bit words (see [`from_words`](Self::from_words)).
    pub const fn words(&self) -> [u64; WORDS] {
        let mut words = [0; WORDS];
        let mut w = 0;
        while w < WORDS {
            words[w] = self.0[w];
            w += 1;
        }
        words
    }

    /// The set holding only the scope at `index`; empty when `index` is out of range (≥ 1,024).
    pub const fn single(index: usize) -> ScopeSet {
        let mut set = ScopeSet::EMPTY;
        if index < Self::CAPACITY {
            set.0[index / 64] = 1 << (index % 64);
        }
        set
    }

    /// The set of the first `count` scopes (all of a vocabulary of `count` scopes).
    pub const fn first(count: usize) -> ScopeSet {
        let mut set = ScopeSet::EMPTY;
        let mut w = 0;
        while w < WORDS {
            let from = w * 64;
            set.0[w] = if count >= from + 64 {
                u64::MAX
            } else if count > from {
                (1 << (count - from)) - 1
            } else {
                0
            };
            w += 1;
        }
        set
    }

    /// `true` when the set holds no scope.
    pub const fn is_empty(self) -> bool {
        let mut w = 0;
        while w < WORDS {
            if self.0[w] != 0 {
                return false;
            }
            w += 1;
        }
        true
    }

    /// How many scopes the set holds.
    pub const fn len(self) -> usize {
        let mut n = 0;
        let mut w = 0;
        while w < WORDS {
            n += self.0[w].count_ones() as usize;
            w += 1;
        }
        n
    }

    /// Does the set hold the scope at `index`?
    pub const fn contains(self, index: usize) -> bool {
        index < Self::CAPACITY && self.0[index / 64] & (1 << (index % 64)) != 0
    }

    /// Do the two sets share at least one scope? (The access check: held ∩ accepted ≠ ∅.)
    pub const fn contains_any(self, other: ScopeSet) -> bool {
        !self.intersection(other).is_empty()
    }

    /// Does the set hold every scope of `other`?
    pub const fn is_superset(self, other: ScopeSet) -> bool {
        other.difference(self).is_empty()
    }

    /// Scopes in either set.
    pub const fn union(mut self, other: ScopeSet) -> ScopeSet {
        let mut w = 0;
        while w < WORDS {
            self.0[w] |= other.0[w];
            w += 1;
        }
        self
    }

    /// Scopes in both sets.
    pub const fn intersection(mut self, other: ScopeSet) -> ScopeSet {
        let mut w = 0;
        while w < WORDS {
            self.0[w] &= other.0[w];
            w += 1;
        }
        self
    }

    /// Scopes in `self` but not in `other`.
    pub const fn difference(mut self, other: ScopeSet) -> ScopeSet {
        let mut w = 0;
        while w < WORDS {
            self.0[w] &= !other.0[w];
            w += 1;
        }
        self
    }

    /// The set with the scope at `index` added (unchanged when `index` ≥ 1,024).
    pub const fn with(self, index: usize) -> ScopeSet {
        self.union(ScopeSet::single(index))
    }

    /// The set with the scope at `index` removed.
    pub const fn without(self, index: usize) -> ScopeSet {
        self.difference(ScopeSet::single(index))
    }

    /// The indices of the scopes in the set, ascending.
    pub const fn indices(self) -> Indices {
        Indices { words: self.words(), word: 0 }
    }

    /// The 128 bits of the set from word `at` (bit `i` of the result is scope `64 * at + i`);
    /// `at` is taken modulo 16. Two loads and no bounds check: `at + 1` is at most 16, the
    /// always-zero last word.
    #[inline(always)]
    pub(crate) fn window(&self, at: usize) -> u128 {
        let at = at % WORDS;
        u128::from(self.0[at]) | u128::from(self.0[at + 1]) << 64
    }

    /// The set of the 128 bits `bits` from word `at` (the inverse of [`window`](Self::window)).
    pub(crate) fn from_window(at: usize, bits: u128) -> ScopeSet {
        let at = at.min(WORDS - 2);
        let mut set = ScopeSet::EMPTY;
        // Truncation is the point: the low and the high 64 bits.
        set.0[at] = bits as u64;
        set.0[at + 1] = (bits >> 64) as u64;
        set
    }

    /// The window that holds every scope of the set, if one does: the word it starts at (the
    /// lowest word with a scope, at most `WORDS - 2`; 0 for the empty set).
    pub(crate) fn window_start(&self) -> Option<usize> {
        let words = &self.0[..WORDS];
        let at = words.iter().position(|&w| w != 0).unwrap_or(0).min(WORDS - 2);
        let outside = words.iter().enumerate().any(|(w, &bits)| bits != 0 && (w < at || w > at + 1));
        (!outside).then_some(at)
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScopeSet")?;
        f.debug_set().entries(self.indices()).finish()
    }
}

impl BitOr for ScopeSet {
    type Output = ScopeSet;
    fn bitor(self, rhs: ScopeSet) -> ScopeSet {
        self.union(rhs)
    }
}

impl BitOrAssign for ScopeSet {
    fn bitor_assign(&mut self, rhs: ScopeSet) {
        *self = self.union(rhs);
    }
}

impl BitAnd for ScopeSet {
    type Output = ScopeSet;
    fn bitand(self, rhs: ScopeSet) -> ScopeSet {
        self.intersection(rhs)
    }
}

impl BitAndAssign for ScopeSet {
    fn bitand_assign(&mut self, rhs: ScopeSet) {
        *self = self.intersection(rhs);
    }
}

impl Sub for ScopeSet {
    type Output = ScopeSet;
    fn sub(self, rhs: ScopeSet) -> ScopeSet {
        self.difference(rhs)
    }
}

impl FromIterator<usize> for ScopeSet {
    /// The set of these indices (those ≥ 1,024 are left out).
    fn from_iter<I: IntoIterator<Item = usize>>(indices: I) -> ScopeSet {
        indices.into_iter().fold(ScopeSet::EMPTY, ScopeSet::with)
    }
}

/// Iterator over the indices in a [`ScopeSet`], ascending; see [`ScopeSet::indices`].
#[derive(Clone, Debug)]
pub struct Indices {
    words: [u64; WORDS],
    word: usize,
}

impl Iterator for Indices {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.word < WORDS {
            let bits = &mut self.words[self.word];
            if *bits != 0 {
                let i = bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                return Some(self.word * 64 + i);
            }
            self.word += 1;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.words[self.word.min(WORDS)..].iter().map(|w| w.count_ones() as usize).sum();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Indices {}

/// Up to 128 consecutive scopes of a set, from word `at` (see [`ScopeSet::window`]): how the
/// engine keeps an endpoint's requirement, so that testing a held set costs two word operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) at: usize,
    pub(crate) bits: u128,
}

impl Window {
    /// Stands for a set that fits no window (kept whole elsewhere).
    pub(crate) const WHOLE: Window = Window { at: usize::MAX, bits: 0 };
}

/// A set of scopes the engine tests held sets against: a [`Window`] of the engine's policy, or
/// a whole [`ScopeSet`] for a requirement that spans more than 128 bits of a large vocabulary.
/// The decision is written once over this trait.
pub(crate) trait Mask: Copy {
    /// `self = ∅`.
    fn is_empty(self) -> bool;
    /// `held ∩ self ≠ ∅`.
    fn meets(self, held: &ScopeSet) -> bool;
    /// `self ∩ a ∩ b ≠ ∅`.
    fn meets_both(self, a: &ScopeSet, b: &ScopeSet) -> bool;
    /// `self ⊆ held`.
    fn within(self, held: &ScopeSet) -> bool;
    /// `self ∩ held`, as scope indices.
    fn shared(self, held: &ScopeSet) -> impl Iterator<Item = usize>;
    /// `self ∖ held`, as scope indices.
    fn missing(self, held: &ScopeSet) -> impl Iterator<Item = usize>;

    /// Does `test` hold for every scope of `self ∖ held`? A plain loop over the bits: the
    /// iterator adapters' version stayed out of line, its state in memory.
    #[inline(always)]
    fn all_missing(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        self.missing(held).all(test)
    }

    /// Does `test` hold for some scope of `self ∩ held`? (See [`all_missing`](Self::all_missing).)
    #[inline(always)]
    fn any_shared(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        self.shared(held).any(test)
    }
}

/// `test` on each set bit of the window `bits` from word `at`, until it answers `stop`; whether
/// it did.
#[inline(always)]
fn window_until(at: usize, mut bits: u128, stop: bool, mut test: impl FnMut(usize) -> bool) -> bool {
    let base = (at % WORDS) * 64;
    while bits != 0 {
        if test(base + bits.trailing_zeros() as usize) == stop {
            return true;
        }
        bits &= bits - 1;
    }
    false
}

/// The indices of the bits of a window starting at word `at` (taken modulo 16, as
/// [`ScopeSet::window`] does).
#[inline]
fn window_indices(at: usize, mut bits: u128) -> impl Iterator<Item = usize> {
    let base = (at % WORDS) * 64;
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let i = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        Some(base + i)
    })
}

impl Mask for Window {
    #[inline(always)]
    fn is_empty(self) -> bool {
        self.bits == 0
    }

    #[inline(always)]
    fn meets(self, held: &ScopeSet) -> bool {
        held.window(self.at) & self.bits != 0
    }

    #[inline(always)]
    fn within(self, held: &ScopeSet) -> bool {
        held.window(self.at) & self.bits == self.bits
    }

    #[inline(always)]
    fn meets_both(self, a: &ScopeSet, b: &ScopeSet) -> bool {
        a.window(self.at) & b.window(self.at) & self.bits != 0
    }

    #[inline]
    fn shared(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        window_indices(self.at, self.bits & held.window(self.at))
    }

    #[inline]
    fn missing(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        window_indices(self.at, self.bits & !held.window(self.at))
    }

    #[inline(always)]
    fn all_missing(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        !window_until(self.at, self.bits & !held.window(self.at), false, test)
    }

    #[inline(always)]
    fn any_shared(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        window_until(self.at, self.bits & held.window(self.at), true, test)
    }
}

impl Mask for &ScopeSet {
    fn is_empty(self) -> bool {
        ScopeSet::is_empty(*self)
    }

    fn meets(self, held: &ScopeSet) -> bool {
        held.contains_any(*self)
    }

    fn within(self, held: &ScopeSet) -> bool {
        held.is_superset(*self)
    }

    fn meets_both(self, a: &ScopeSet, b: &ScopeSet) -> bool {
        a.intersection(*b).contains_any(*self)
    }

    fn shared(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        self.intersection(*held).indices()
    }

    fn missing(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        self.difference(*held).indices()
    }
}

/// A vocabulary compiled for the hot path: name → bit lookup, and every scope's closed hierarchy as
/// a mask, so closing a set under the hierarchy is one OR per held scope.
#[derive(Debug)]
pub(crate) struct ScopeTable {
    /// The vocabulary, in bit order.
    names: &'static [&'static str],
    /// name → bit (foldhash with a fixed seed: the keys are the configuration's names).
    by_name: std::collections::HashMap<&'static str, u16, foldhash::fast::FixedState>,
    /// `implied[i]`: scope `i` and every scope it implies.
    implied: Vec<ScopeSet>,
    /// `implied_by[i]`: scope `i` and every scope that implies it (the inverse of `implied`), as
    /// a window; [`Window::WHOLE`] where that set spans more than 128 bits, which `wide_implied_by`
    /// then holds whole.
    implied_by: Vec<Window>,
    /// The "implied by" sets that fit no window, by scope index (sorted).
    wide_implied_by: Vec<(usize, ScopeSet)>,
    all: ScopeSet,
}

impl ScopeTable {
    /// Compiles a vocabulary; `Err` with a message when it holds more than 1,024 scopes.
    pub(crate) fn new(vocab: &crate::Vocabulary) -> Result<ScopeTable, String> {
        let names = vocab.scopes();
        if names.len() > ScopeSet::CAPACITY {
            return Err(format!(
                "the vocabulary holds {} scopes; scopegate supports at most {}",
                names.len(),
                ScopeSet::CAPACITY
            ));
        }
        let mut by_name =
            std::collections::HashMap::with_capacity_and_hasher(names.len(), Default::default());
        for (i, name) in names.iter().enumerate() {
            // `i < 1024` was checked above. A repeated name keeps its first bit.
            by_name.entry(*name).or_insert(i as u16);
        }
        let mut table = ScopeTable {
            names,
            by_name,
            implied: Vec::new(),
            implied_by: Vec::new(),
            wide_implied_by: Vec::new(),
            all: ScopeSet::first(names.len()),
        };
        // The configuration's hierarchy is already closed, but close it again here so that a
        // hand-built one behaves the same: the macros' closure, on the names.
        let closed = scopegate_core::hierarchy::close(names, vocab.implies());
        let mut implied: Vec<ScopeSet> = (0..names.len()).map(ScopeSet::single).collect();
        for (scope, to) in &closed {
            if let Some(i) = table.index(scope) {
                implied[i] |= table.parse(to.iter().copied());
            }
        }
        let mut implied_by: Vec<ScopeSet> = (0..names.len()).map(ScopeSet::single).collect();
        for (t, set) in implied.iter().enumerate() {
            for i in set.indices() {
                implied_by[i] = implied_by[i].with(t);
            }
        }
        table.implied = implied;
        for (i, set) in implied_by.into_iter().enumerate() {
            match set.window_start() {
                Some(at) => table.implied_by.push(Window { at, bits: set.window(at) }),
                None => {
                    table.implied_by.push(Window::WHOLE);
                    table.wide_implied_by.push((i, set));
                }
            }
        }
        Ok(table)
    }

    /// The bit of one scope name, if the vocabulary knows it.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).map(|&bit| usize::from(bit))
    }

    /// Parses names; unknown ones are ignored.
    pub(crate) fn parse<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> ScopeSet {
        let mut set = ScopeSet::EMPTY;
        for name in names {
            if let Some(i) = self.index(name) {
                set = set.with(i);
            }
        }
        set
    }

    /// Every scope whose closure meets `set`: `closure(held) ∩ set ≠ ∅` exactly when `held`
    /// meets this (precomputed per endpoint, it answers the question in one intersection).
    pub(crate) fn implying(&self, set: ScopeSet) -> ScopeSet {
        set.indices().fold(ScopeSet::EMPTY, |up, i| up | self.implied_by_set(i))
    }

    /// Every scope that implies a scope of `set` other than itself: a token that lacks some scope
    /// of an all-of requirement can be granted it only through one of these (a token holding none
    /// is refused in one intersection).
    pub(crate) fn strictly_implying(&self, set: ScopeSet) -> ScopeSet {
        set.indices().fold(ScopeSet::EMPTY, |up, i| up | self.implied_by_set(i).without(i))
    }

    /// `implied_by[i]` as a set.
    fn implied_by_set(&self, i: usize) -> ScopeSet {
        match self.implied_by.get(i) {
            Some(&w) if w != Window::WHOLE => ScopeSet::from_window(w.at, w.bits),
            Some(_) => self.wide_implied_by(i).copied().unwrap_or(ScopeSet::EMPTY),
            None => ScopeSet::EMPTY,
        }
    }

    fn wide_implied_by(&self, i: usize) -> Option<&ScopeSet> {
        let at = self.wide_implied_by.binary_search_by_key(&i, |(index, _)| *index).ok()?;
        self.wide_implied_by.get(at).map(|(_, set)| set)
    }

    /// Is scope `i` in the closure of `held`? (Does `held` hold `i` or a scope implying it?)
    #[inline]
    pub(crate) fn closure_holds(&self, held: &ScopeSet, i: usize) -> bool {
        match self.implied_by.get(i) {
            Some(&w) if w.at != Window::WHOLE.at => w.meets(held),
            Some(_) => self.wide_closure_holds(held, i),
            None => false,
        }
    }

    /// [`closure_holds`](Self::closure_holds) for a scope implied by scopes more than 128 bits
    /// apart.
    #[cold]
    #[inline(never)]
    fn wide_closure_holds(&self, held: &ScopeSet, i: usize) -> bool {
        self.wide_implied_by(i).is_some_and(|by| held.contains_any(*by))
    }

    /// `closure(held) ∩ wanted ≠ ∅`, without closing `held`: the decision's question. Looks at
    /// the (few) wanted scopes `held` lacks, each through the scopes that imply it.
    #[inline]
    pub(crate) fn closure_meets(&self, held: &ScopeSet, wanted: impl Mask) -> bool {
        wanted.meets(held) || !wanted.all_missing(held, |i| !self.closure_holds(held, i))
    }

    /// `closure(held) ⊇ required`, without closing `held`: an all-of requirement's question.
    /// `implying` is [`strictly_implying`](Self::strictly_implying)`(required)`, or empty when it
    /// is not known (then every missing scope is looked up).
    #[inline(always)]
    pub(crate) fn closure_covers(&self, held: &ScopeSet, required: impl Mask, implying: impl Mask) -> bool {
        // The common case first: a token holding the required scopes themselves; then one
        // intersection refuses a token that holds nothing implying a required scope.
        required.within(held)
            || ((implying.is_empty() || implying.meets(held))
                && required.all_missing(held, |i| self.closure_holds(held, i)))
    }

    /// The set closed under the hierarchy.
    pub(crate) fn closure(&self, set: ScopeSet) -> ScopeSet {
        let mut out = set;
        for i in set.indices() {
            // Bits beyond the vocabulary have no entry and imply nothing.
            if let Some(mask) = self.implied.get(i) {
                out |= *mask;
            }
        }
        out
    }

    pub(crate) fn all(&self) -> &ScopeSet {
        &self.all
    }

    pub(crate) fn name(&self, index: usize) -> Option<&'static str> {
        self.names.get(index).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A vocabulary of `n` scopes `s0 … s{n-1}` where every 7th scope implies the next three and
    /// scope `n - 1` implies `s0` (a hierarchy that crosses windows).
    fn wide_vocabulary(n: usize) -> &'static crate::Vocabulary {
        let names: Vec<&'static str> =
            (0..n).map(|i| &*Box::leak(format!("s{i}").into_boxed_str())).collect();
        let names: &'static [&'static str] = names.leak();
        let mut implies: Vec<(&'static str, &'static [&'static str])> =
            (0..n).step_by(7).map(|i| (names[i], &names[(i + 1).min(n - 1)..(i + 4).min(n)])).collect();
        implies.push((names[n - 1], &names[..1]));
        Box::leak(Box::new(crate::Vocabulary::__new(names, &[], implies.leak())))
    }

    fn set(words: [u64; WORDS], within: &ScopeSet) -> ScopeSet {
        ScopeSet::from_words(words) & *within
    }

    /// Sparse random sets: a few scopes, as tokens hold and endpoints accept.
    fn sparse() -> impl Strategy<Value = [u64; WORDS]> {
        prop::collection::vec(0..ScopeSet::CAPACITY, 0..6)
            .prop_map(|indices| indices.into_iter().collect::<ScopeSet>().words())
    }

    proptest! {
        /// The decision's shortcuts answer exactly what closing the held set would, for windows
        /// and whole sets, in the built-in vocabulary and one of 1,024 scopes.
        #[test]
        fn closure_meets_and_covers_are_closure_then_test(
            held in sparse(), wanted in sparse(), dense in any::<[u64; WORDS]>(), big in any::<bool>()
        ) {
            let table = if big {
                ScopeTable::new(wide_vocabulary(1024)).expect("1,024 scopes compile")
            } else {
                ScopeTable::new(crate::Config::sentry().vocabulary()).expect("the built-in vocabulary compiles")
            };
            let all = *table.all();
            for (h, w) in [(set(held, &all), set(wanted, &all)), (set(dense, &all), set(wanted, &all))] {
                let closed = table.closure(h);
                prop_assert_eq!(table.closure_meets(&h, &w), closed.contains_any(w));
                // With the up-set that refuses early, and without it (unknown: looked up).
                let up = table.strictly_implying(w);
                prop_assert_eq!(table.closure_covers(&h, &w, &up), closed.is_superset(w));
                prop_assert_eq!(table.closure_covers(&h, &w, &ScopeSet::EMPTY), closed.is_superset(w));
                // The shortcut's premise: a token granted a scope it lacks holds a scope of `up`.
                prop_assert!(h.is_superset(w) || !closed.is_superset(w) || h.contains_any(up));
                prop_assert_eq!(h.contains_any(table.implying(w)), closed.contains_any(w));
                if let Some(at) = w.window_start() {
                    let window = Window { at, bits: w.window(at) };
                    prop_assert_eq!(table.closure_meets(&h, window), closed.contains_any(w));
                    prop_assert_eq!(table.closure_covers(&h, window, &up), closed.is_superset(w));
                    if let Some(up_at) = (w | up).window_start() {
                        let (window, up) = (Window { at: up_at, bits: w.window(up_at) }, Window { at: up_at, bits: up.window(up_at) });
                        prop_assert_eq!(table.closure_covers(&h, window, up), closed.is_superset(w));
                    }
                    prop_assert_eq!(window.shared(&h).collect::<ScopeSet>(), w & h);
                    prop_assert_eq!(window.meets_both(&h, &closed), !(w & h & closed).is_empty());
                }
            }
        }

        /// A window holds exactly the set it was taken from, when the set fits one.
        #[test]
        fn windows_round_trip(words in sparse()) {
            let set = ScopeSet::from_words(words);
            match set.window_start() {
                Some(at) => {
                    let back = window_indices(at, set.window(at)).collect::<ScopeSet>();
                    prop_assert_eq!(back, set);
                    prop_assert_eq!(ScopeSet::from_window(at, set.window(at)), set);
                }
                None => {
                    let (lo, hi) = (set.indices().next().unwrap_or(0), set.indices().last().unwrap_or(0));
                    prop_assert!(hi / 64 - lo / 64 >= 2, "{lo}..{hi} would fit a window");
                }
            }
        }
    }

    #[test]
    fn set_operations_reach_every_word() {
        let last = ScopeSet::CAPACITY - 1;
        let set: ScopeSet = [0, 63, 64, 500, last].into_iter().collect();
        assert_eq!(set.len(), 5);
        assert_eq!(set.indices().collect::<Vec<_>>(), [0, 63, 64, 500, last]);
        assert_eq!(set.indices().len(), 5);
        assert!(set.contains(500) && !set.contains(501) && !set.contains(ScopeSet::CAPACITY));
        assert_eq!(ScopeSet::first(ScopeSet::CAPACITY).len(), ScopeSet::CAPACITY);
        assert_eq!(ScopeSet::first(130).indices().last(), Some(129));
        assert_eq!(ScopeSet::first(0), ScopeSet::EMPTY);
        assert!(set.without(500).with(501).contains(501));
        assert_eq!(ScopeSet::single(last).window_start(), Some(WORDS - 2));
        assert_eq!(ScopeSet::single(last).window(WORDS - 2), 1 << 127);
        assert_eq!(set.window_start(), None);
        assert_eq!(format!("{:?}", ScopeSet::single(700)), "ScopeSet{700}");
    }

    #[test]
    fn a_vocabulary_beyond_the_capacity_is_refused_with_the_limit() {
        let e = ScopeTable::new(wide_vocabulary(1025)).expect_err("1,025 scopes");
        assert_eq!(e, "the vocabulary holds 1025 scopes; scopegate supports at most 1024");
    }
}
