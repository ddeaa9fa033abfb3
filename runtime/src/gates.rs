//! Per-organization gate state: feature flags, granular mode and allowlists, as immutable snapshots.
//!
//! A decision reads one [`OrganizationState`] snapshot, so it never sees a half-applied change. The
//! service supplies snapshots from its own database through a [`GateSource`];
//! [`InMemoryGates`] keeps them in memory and replaces them atomically (lock-free reads).

use std::fmt;
use std::sync::Arc;

use crate::config::{Config, GateDef};
use crate::principal::{OrganizationId, TeamId, UserId};

/// The most gates a configuration may define (gate flags are kept in a `u64`).
pub(crate) const MAX_GATES: usize = 64;

/// An immutable snapshot of one organization's feature flags and gate settings.
///
/// Feature flags are kept only for the configuration's gates, as a bitset over the gates; granular
/// mode likewise; allowlists are sorted and deduplicated. Build one with
/// [`OrganizationState::builder`]; share it as `Arc<OrganizationState>`.
///
/// ```
/// use scopegate::{Config, OrganizationId, OrganizationState, TeamId, UserId};
/// let state = OrganizationState::builder(Config::sentry(), OrganizationId(1))
///     .feature("organizations:session-replay", true)
///     .granular("replay", true)
///     .allow_users("replay", [UserId(9), UserId(3), UserId(9)])
///     .allow_teams("replay", [TeamId(5)])
///     .build();
/// assert!(state.feature_enabled("replay"));
/// assert!(state.granular("replay"));
/// assert_eq!(state.allowed_users("replay"), &[UserId(3), UserId(9)]);
/// assert_eq!(state.allowed_teams("replay"), &[TeamId(5)]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct OrganizationState {
    id: OrganizationId,
    gates: &'static [GateDef],
    features: u64,
    granular: u64,
    users: Box<[Box<[UserId]>]>,
    teams: Box<[Box<[TeamId]>]>,
}

/// One gate's settings in an [`OrganizationState`], as the engine reads them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GateView<'a> {
    pub(crate) feature: bool,
    pub(crate) granular: bool,
    pub(crate) users: &'a [UserId],
    pub(crate) teams: &'a [TeamId],
}

impl fmt::Debug for OrganizationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("OrganizationState");
        s.field("id", &self.id);
        for (i, g) in self.gates.iter().enumerate().take(MAX_GATES) {
            s.field(
                g.name(),
                &format_args!(
                    "feature={} granular={} users={:?} teams={:?}",
                    self.features >> i & 1 == 1,
                    self.granular >> i & 1 == 1,
                    self.users[i].iter().map(|u| u.0).collect::<Vec<_>>(),
                    self.teams[i].iter().map(|t| t.0).collect::<Vec<_>>()
                ),
            );
        }
        s.finish()
    }
}

impl OrganizationState {
    /// Starts the snapshot of a single-tenant service's state (`[tenancy] organizations = false`):
    /// its feature flags and allowlists, one snapshot for the whole service, for `config`'s
    /// gates: every feature off, granular mode off, allowlists empty.
    ///
    /// ```
    /// use scopegate::{Config, OrganizationState};
    /// let state = OrganizationState::single_tenant(Config::sentry())
    ///     .feature("organizations:session-replay", true)
    ///     .build();
    /// assert!(state.feature_enabled("replay"));
    /// ```
    pub fn single_tenant(config: &'static Config) -> OrganizationStateBuilder {
        OrganizationState::builder(config, OrganizationId::SERVICE)
    }

    /// Starts a snapshot of organization `id` for `config`'s gates: every feature off, granular mode
    /// off, allowlists empty.
    pub fn builder(config: &'static Config, id: OrganizationId) -> OrganizationStateBuilder {
        let gates = config.gates();
        let n = gates.len().min(MAX_GATES);
        OrganizationStateBuilder {
            id,
            gates,
            features: 0,
            granular: 0,
            users: vec![Vec::new(); n],
            teams: vec![Vec::new(); n],
            unknown: Vec::new(),
        }
    }

    /// A builder holding this snapshot's settings, to derive a changed snapshot.
    pub fn to_builder(&self) -> OrganizationStateBuilder {
        OrganizationStateBuilder {
            id: self.id,
            gates: self.gates,
            features: self.features,
            granular: self.granular,
            users: self.users.iter().map(|u| u.to_vec()).collect(),
            teams: self.teams.iter().map(|t| t.to_vec()).collect(),
            unknown: Vec::new(),
        }
    }

    /// The organization.
    pub const fn id(&self) -> OrganizationId {
        self.id
    }

    fn index(&self, gate: &str) -> Option<usize> {
        self.gates.iter().take(MAX_GATES).position(|g| g.name() == gate)
    }

    /// Is the feature flag of `gate` on? (`false` for an unknown gate.)
    pub fn feature_enabled(&self, gate: &str) -> bool {
        self.index(gate).is_some_and(|i| self.features >> i & 1 == 1)
    }

    /// Is granular (allowlist) mode on for `gate`?
    pub fn granular(&self, gate: &str) -> bool {
        self.index(gate).is_some_and(|i| self.granular >> i & 1 == 1)
    }

    /// The users on `gate`'s allowlist, sorted.
    pub fn allowed_users(&self, gate: &str) -> &[UserId] {
        self.index(gate).map_or(&[], |i| &self.users[i])
    }

    /// The teams on `gate`'s allowlist, sorted.
    pub fn allowed_teams(&self, gate: &str) -> &[TeamId] {
        self.index(gate).map_or(&[], |i| &self.teams[i])
    }

    /// The settings of gate number `index` of `gates` (the registry's configuration). When the
    /// snapshot was built for the same configuration this is an index; otherwise the gate is found
    /// by name, and a gate the snapshot does not know reads as switched off.
    pub(crate) fn view(&self, gates: &'static [GateDef], index: usize) -> GateView<'_> {
        let own = if std::ptr::eq(gates, self.gates) {
            Some(index).filter(|&i| i < self.users.len())
        } else {
            gates.get(index).and_then(|g| self.index(g.name()))
        };
        match own {
            Some(i) => GateView {
                feature: self.features >> i & 1 == 1,
                granular: self.granular >> i & 1 == 1,
                users: &self.users[i],
                teams: &self.teams[i],
            },
            None => GateView { feature: false, granular: false, users: &[], teams: &[] },
        }
    }
}

/// Builds an [`OrganizationState`]; see [`OrganizationState::builder`].
///
/// Feature flags no gate uses are ignored (a service has many flags; only the gates' ones matter).
/// Names of gates the configuration does not define are ignored by [`build`](Self::build) and
/// reported by [`try_build`](Self::try_build).
#[derive(Clone, Debug)]
pub struct OrganizationStateBuilder {
    id: OrganizationId,
    gates: &'static [GateDef],
    features: u64,
    granular: u64,
    users: Vec<Vec<UserId>>,
    teams: Vec<Vec<TeamId>>,
    unknown: Vec<String>,
}

/// A gate name the configuration does not define, reported by
/// [`OrganizationStateBuilder::try_build`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownGate(pub String);

impl fmt::Display for UnknownGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no gate named `{}` is configured", self.0)
    }
}

impl std::error::Error for UnknownGate {}

impl OrganizationStateBuilder {
    fn index(&mut self, gate: &str) -> Option<usize> {
        let found = self.gates.iter().take(MAX_GATES).position(|g| g.name() == gate);
        if found.is_none() && !self.unknown.iter().any(|u| u == gate) {
            self.unknown.push(gate.to_string());
        }
        found
    }

    /// Turns the organization feature flag `feature` (e.g. `organizations:session-replay`) on or off
    /// for every gate that uses it.
    pub fn feature(mut self, feature: &str, on: bool) -> Self {
        for (i, g) in self.gates.iter().enumerate().take(MAX_GATES) {
            if g.feature() == feature {
                if on {
                    self.features |= 1 << i;
                } else {
                    self.features &= !(1 << i);
                }
            }
        }
        self
    }

    /// Turns granular (allowlist) mode of `gate` on or off.
    pub fn granular(mut self, gate: &str, on: bool) -> Self {
        if let Some(i) = self.index(gate) {
            if on {
                self.granular |= 1 << i;
            } else {
                self.granular &= !(1 << i);
            }
        }
        self
    }

    /// Replaces `gate`'s user allowlist.
    pub fn allow_users(mut self, gate: &str, users: impl IntoIterator<Item = UserId>) -> Self {
        if let Some(i) = self.index(gate) {
            self.users[i] = users.into_iter().collect();
        }
        self
    }

    /// Replaces `gate`'s team allowlist.
    pub fn allow_teams(mut self, gate: &str, teams: impl IntoIterator<Item = TeamId>) -> Self {
        if let Some(i) = self.index(gate) {
            self.teams[i] = teams.into_iter().collect();
        }
        self
    }

    /// Adds one user to `gate`'s allowlist.
    pub fn grant_user(mut self, gate: &str, user: UserId) -> Self {
        if let Some(i) = self.index(gate) {
            self.users[i].push(user);
        }
        self
    }

    /// Removes one user from `gate`'s allowlist.
    pub fn revoke_user(mut self, gate: &str, user: UserId) -> Self {
        if let Some(i) = self.index(gate) {
            self.users[i].retain(|u| *u != user);
        }
        self
    }

    /// Adds one team to `gate`'s allowlist.
    pub fn grant_team(mut self, gate: &str, team: TeamId) -> Self {
        if let Some(i) = self.index(gate) {
            self.teams[i].push(team);
        }
        self
    }

    /// Removes one team from `gate`'s allowlist.
    pub fn revoke_team(mut self, gate: &str, team: TeamId) -> Self {
        if let Some(i) = self.index(gate) {
            self.teams[i].retain(|t| *t != team);
        }
        self
    }

    /// The snapshot; names of unknown gates are ignored.
    pub fn build(self) -> OrganizationState {
        let sorted = |mut v: Vec<UserId>| {
            v.sort_unstable();
            v.dedup();
            v.into_boxed_slice()
        };
        let sorted_teams = |mut v: Vec<TeamId>| {
            v.sort_unstable();
            v.dedup();
            v.into_boxed_slice()
        };
        OrganizationState {
            id: self.id,
            gates: self.gates,
            features: self.features,
            granular: self.granular,
            users: self.users.into_iter().map(sorted).collect(),
            teams: self.teams.into_iter().map(sorted_teams).collect(),
        }
    }

    /// The snapshot, or the first gate name the configuration does not define.
    pub fn try_build(mut self) -> Result<OrganizationState, UnknownGate> {
        if !self.unknown.is_empty() {
            return Err(UnknownGate(self.unknown.swap_remove(0)));
        }
        Ok(self.build())
    }
}

/// Where a service's per-organization gate data comes from (its own database).
///
/// Return `None` for an organization that does not exist; the engine then treats gated areas as
/// switched off (404). Implementations should return a whole snapshot, never assemble one from
/// reads that a concurrent change could interleave.
pub trait GateSource: Send + Sync {
    /// The current snapshot of organization `id`.
    fn organization(&self, id: OrganizationId) -> Option<Arc<OrganizationState>>;
}

impl<T: GateSource + ?Sized> GateSource for &T {
    fn organization(&self, id: OrganizationId) -> Option<Arc<OrganizationState>> {
        (**self).organization(id)
    }
}

impl<T: GateSource + ?Sized> GateSource for Arc<T> {
    fn organization(&self, id: OrganizationId) -> Option<Arc<OrganizationState>> {
        (**self).organization(id)
    }
}

impl<T: GateSource + ?Sized> GateSource for Box<T> {
    fn organization(&self, id: OrganizationId) -> Option<Arc<OrganizationState>> {
        (**self).organization(id)
    }
}

#[cfg(feature = "in-memory-gates")]
#[cfg_attr(docsrs, doc(cfg(feature = "in-memory-gates")))]
pub use memory::InMemoryGates;

#[cfg(feature = "in-memory-gates")]
mod memory {
    use std::collections::HashMap;
    use std::fmt;
    use std::sync::{Arc, Mutex};

    use arc_swap::ArcSwap;

    use super::{GateSource, OrganizationState, OrganizationStateBuilder};
    use crate::principal::OrganizationId;

    type Slot = Arc<ArcSwap<OrganizationState>>;

    /// An in-memory [`GateSource`]: snapshots are replaced atomically (`arc-swap`), reads take no lock,
    /// and a reader sees either the old or the new snapshot, never a mix.
    ///
    /// ```
    /// use scopegate::{Config, GateSource, InMemoryGates, OrganizationId, OrganizationState, UserId};
    /// let gates = InMemoryGates::new();
    /// let org = OrganizationId(1);
    /// gates.set(OrganizationState::builder(Config::sentry(), org).granular("replay", true).build());
    /// assert!(gates.update(org, |b| b.grant_user("replay", UserId(4))));
    /// assert_eq!(gates.organization(org).unwrap().allowed_users("replay"), &[UserId(4)]);
    /// gates.remove(org);
    /// assert!(gates.organization(org).is_none());
    /// ```
    pub struct InMemoryGates {
        orgs: ArcSwap<HashMap<OrganizationId, Slot>>,
        /// Serialises writers (readers never take it), so that `update` is a read-modify-write.
        writer: Mutex<()>,
    }

    impl fmt::Debug for InMemoryGates {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("InMemoryGates").field("organizations", &self.orgs.load().len()).finish()
        }
    }

    impl Default for InMemoryGates {
        fn default() -> Self {
            InMemoryGates::new()
        }
    }

    impl InMemoryGates {
        /// An empty store.
        pub fn new() -> InMemoryGates {
            InMemoryGates { orgs: ArcSwap::from_pointee(HashMap::new()), writer: Mutex::new(()) }
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
            // The guarded data is `()`: a panic in another writer leaves nothing inconsistent.
            self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
        }

        /// Stores `state` as its organization's snapshot, replacing any previous one.
        pub fn set(&self, state: OrganizationState) {
            let _guard = self.lock();
            let id = state.id();
            let orgs = self.orgs.load();
            match orgs.get(&id) {
                Some(slot) => slot.store(Arc::new(state)),
                None => {
                    let mut next = HashMap::clone(&orgs);
                    next.insert(id, Arc::new(ArcSwap::from_pointee(state)));
                    self.orgs.store(Arc::new(next));
                }
            }
        }

        /// Derives a new snapshot of `organization` from its current one and stores it atomically;
        /// concurrent updates are applied one after the other. Returns `false` (and does nothing) when
        /// the organization has no snapshot yet.
        pub fn update(
            &self,
            organization: OrganizationId,
            change: impl FnOnce(OrganizationStateBuilder) -> OrganizationStateBuilder,
        ) -> bool {
            let _guard = self.lock();
            let orgs = self.orgs.load();
            let Some(slot) = orgs.get(&organization) else { return false };
            let mut next = change(slot.load().to_builder()).build();
            // The organization is the slot's key; a change cannot move the snapshot elsewhere.
            next.id = organization;
            slot.store(Arc::new(next));
            true
        }

        /// Forgets `organization`'s snapshot; returns whether there was one.
        pub fn remove(&self, organization: OrganizationId) -> bool {
            let _guard = self.lock();
            let orgs = self.orgs.load();
            if !orgs.contains_key(&organization) {
                return false;
            }
            let mut next = HashMap::clone(&orgs);
            next.remove(&organization);
            self.orgs.store(Arc::new(next));
            true
        }
    }

    impl GateSource for InMemoryGates {
        fn organization(&self, id: OrganizationId) -> Option<Arc<OrganizationState>> {
            self.orgs.load().get(&id).map(|slot| slot.load_full())
        }
    }
}
