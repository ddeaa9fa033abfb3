//! Scope sets: the scopes of one vocabulary as a 128-bit bitset.
//!
//! Bit `i` stands for `config.vocabulary().scopes()[i]`. A [`Registry`](crate::Registry) turns scope
//! names into sets ([`Registry::scope_set`](crate::Registry::scope_set)), closes them under the
//! vocabulary's hierarchy ([`Registry::closure`](crate::Registry::closure)) and names them again
//! ([`Registry::scope_names`](crate::Registry::scope_names)); the set itself knows no names.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Sub};

/// A set of scopes of one vocabulary, as a bitset (bit `i` = `config.vocabulary().scopes()[i]`).
///
/// Every operation is a handful of integer instructions; a set is `Copy` and never allocates.
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
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ScopeSet(u128);

impl ScopeSet {
    /// The most scopes a vocabulary can hold.
    pub const CAPACITY: usize = 128;

    /// The empty set.
    pub const EMPTY: ScopeSet = ScopeSet(0);

    /// The set whose bits are `bits`.
    pub const fn from_bits(bits: u128) -> ScopeSet {
        ScopeSet(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u128 {
        self.0
    }

    /// The set holding only the scope at `index`; empty when `index` is out of range (≥ 128).
    pub const fn single(index: usize) -> ScopeSet {
        if index < Self::CAPACITY { ScopeSet(1u128 << index) } else { ScopeSet::EMPTY }
    }

    /// The set of the first `count` scopes (all of a vocabulary of `count` scopes).
    pub const fn first(count: usize) -> ScopeSet {
        if count >= Self::CAPACITY { ScopeSet(u128::MAX) } else { ScopeSet((1u128 << count) - 1) }
    }

    /// `true` when the set holds no scope.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many scopes the set holds.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Does the set hold the scope at `index`?
    pub const fn contains(self, index: usize) -> bool {
        index < Self::CAPACITY && self.0 & (1u128 << index) != 0
    }

    /// Do the two sets share at least one scope? (The access check: held ∩ accepted ≠ ∅.)
    pub const fn contains_any(self, other: ScopeSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Does the set hold every scope of `other`?
    pub const fn is_superset(self, other: ScopeSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// Scopes in either set.
    pub const fn union(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 | other.0)
    }

    /// Scopes in both sets.
    pub const fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    /// Scopes in `self` but not in `other`.
    pub const fn difference(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & !other.0)
    }

    /// The set with the scope at `index` added (unchanged when `index` ≥ 128).
    pub const fn with(self, index: usize) -> ScopeSet {
        self.union(ScopeSet::single(index))
    }

    /// The set with the scope at `index` removed.
    pub const fn without(self, index: usize) -> ScopeSet {
        self.difference(ScopeSet::single(index))
    }

    /// The indices of the scopes in the set, ascending.
    pub const fn indices(self) -> Indices {
        Indices(self.0)
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

/// Iterator over the indices in a [`ScopeSet`], ascending; see [`ScopeSet::indices`].
#[derive(Clone, Debug)]
pub struct Indices(u128);

impl Iterator for Indices {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(i)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Indices {}

/// A vocabulary compiled for the hot path: name → bit lookup, and every scope's closed hierarchy as
/// a mask, so closing a set under the hierarchy is one OR per held scope.
#[derive(Debug)]
pub(crate) struct ScopeTable {
    /// The vocabulary, in bit order.
    names: &'static [&'static str],
    /// name → bit (foldhash with a fixed seed: the keys are the configuration's names).
    by_name: std::collections::HashMap<&'static str, u8, foldhash::fast::FixedState>,
    /// `implied[i]`: scope `i` and every scope it implies.
    implied: Vec<ScopeSet>,
    /// `implied_by[i]`: scope `i` and every scope that implies it (the inverse of `implied`).
    implied_by: Vec<ScopeSet>,
    all: ScopeSet,
}

impl ScopeTable {
    /// Compiles a vocabulary; `Err` with a message when it holds more than 128 scopes.
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
            // `i < 128` was checked above. A repeated name keeps its first bit.
            by_name.entry(*name).or_insert(i as u8);
        }
        let mut table = ScopeTable {
            names,
            by_name,
            implied: Vec::with_capacity(names.len()),
            implied_by: Vec::new(),
            all: ScopeSet::first(names.len()),
        };
        // The configuration's hierarchy is already closed, but close it again here so that a
        // hand-built one behaves the same: the macros' closure, on the names.
        let closed = scopegate_core::hierarchy::close(names, vocab.implies());
        table.implied = (0..names.len())
            .map(|i| {
                let implied = closed.iter().find(|(name, _)| *name == names[i]).map(|(_, to)| to.as_slice());
                ScopeSet::single(i) | table.parse(implied.unwrap_or_default().iter().copied())
            })
            .collect();
        table.implied_by = (0..names.len())
            .map(|i| {
                (0..names.len())
                    .filter(|&t| table.implied[t].contains(i))
                    .fold(ScopeSet::EMPTY, |set, t| set.with(t))
            })
            .collect();
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
        set.indices().filter_map(|i| self.implied_by.get(i)).fold(ScopeSet::EMPTY, |up, by| up | *by)
    }

    /// `closure(held) ∩ wanted ≠ ∅`, without closing `held`: the decision's question. Looks at
    /// the (few) wanted scopes `held` lacks, each through the scopes that imply it.
    #[inline]
    pub(crate) fn closure_meets(&self, held: ScopeSet, wanted: ScopeSet) -> bool {
        if held.contains_any(wanted) {
            return true;
        }
        wanted.indices().any(|i| self.implied_by.get(i).is_some_and(|by| held.contains_any(*by)))
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

    pub(crate) fn all(&self) -> ScopeSet {
        self.all
    }

    pub(crate) fn name(&self, index: usize) -> Option<&'static str> {
        self.names.get(index).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The decision's shortcut answers exactly what closing the held set would.
        #[test]
        fn closure_meets_is_closure_then_intersection(held in any::<u128>(), wanted in any::<u128>(), sparse in any::<u128>()) {
            let table = ScopeTable::new(crate::Config::sentry().vocabulary()).expect("the built-in vocabulary compiles");
            // Sparse sets too (tokens hold a few scopes, endpoints accept a few).
            for (h, w) in [(held, wanted), (held & sparse, wanted & sparse.rotate_left(7)), (held & sparse & wanted.rotate_left(3), wanted)] {
                let (h, w) = (ScopeSet(h) & table.all(), ScopeSet(w) & table.all());
                prop_assert_eq!(table.closure_meets(h, w), table.closure(h).contains_any(w));
                prop_assert_eq!(h.contains_any(table.implying(w)), table.closure(h).contains_any(w));
            }
        }
    }
}
