//! Per-instance organization snapshots: what a decision reads about an organization, cached for
//! at most a TTL and evicted when the organization changes.
//!
//! [`CachedStore`] wraps a backend and changes only its [`DecisionReads`]:
//! [`request_facts`](DecisionReads::request_facts) reads the credential from the database (so a
//! revoked session or token fails at once, on every instance) and takes the organization, its
//! settings and the caller's membership from an [`OrganizationSnapshot`] loaded in one consistent
//! read ([`organization_snapshot`](DecisionReads::organization_snapshot)) and kept in a
//! [`SnapshotCache`]. A decision therefore never mixes two points in time inside one organization.
//! Everything else is the backend's own: [`data`](ServiceStore::data) hands it out as a
//! [`DataStore`], which nothing here wraps or forwards.
//!
//! **Invalidation.** Every write that changes what a snapshot holds is an [`OrganizationWrites`]
//! method, and the wrapper implements each as the backend's write followed by an eviction of the
//! organization, whatever the write's outcome (this instance reads its own writes). The wrapper
//! hands out nothing else of the backend but the [`DataStore`] of [`data`](ServiceStore::data),
//! and that trait has no write that changes a snapshot, so no such write reaches the backend
//! around the eviction. Where a write is declared is the one rule to keep: a new write that changes
//! a snapshot goes into [`OrganizationWrites`], and then this wrapper does not compile until it
//! evicts for it too. (A wrapper that forwarded every method would let a new write pass through
//! without evicting.) Other instances learn of it from the store: on PostgreSQL the same transaction `NOTIFY`s
//! [`INVALIDATION_CHANNEL`](super::INVALIDATION_CHANNEL) with the organization's id, and each
//! instance's listener thread evicts it; while that listener is not connected, the cache is
//! bypassed and flushed on reconnection. **The TTL bounds everything else**: a snapshot is served
//! only until `ttl` after its read *started*, so a change committed anywhere (another instance, the
//! CLI, a lost notification) is enforced by every instance at most `ttl` after its commit.
//!
//! A load that started before an eviction of its organization is not stored (it may have read
//! the state before the change), so an eviction is never undone by a slow read.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{
    DataStore, DecisionReads, OrganizationSnapshot, OrganizationWrites, RequestFacts, ServiceStore, Store,
    StoreResult, acting_user,
};
use crate::model::{IdOrSlug, MemberRemoval, Organization, OrganizationUpdate, TeamJoin, TeamJoinRule};
use crate::token::TokenKind;

/// The default of `serve --cache-ttl`: the longest an instance may decide on an organization's
/// state after a change to it was committed, whatever happens to notifications.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(1);

struct Entry {
    snapshot: Arc<OrganizationSnapshot>,
    /// When the read that produced it started.
    read_at: Instant,
}

#[derive(Default)]
struct Entries {
    by_id: HashMap<i64, Entry>,
    /// Slug → id as last read; checked against the entry's own slug on every lookup.
    by_slug: HashMap<String, i64>,
    /// Counts evictions and flushes; a load remembers its value when it starts.
    clock: u64,
    /// The clock when each organization was last evicted.
    evicted_at: HashMap<i64, u64>,
    /// The clock at the last flush.
    flushed_at: u64,
}

/// Organization snapshots of one instance, each served for at most a TTL; see the module docs.
///
/// ```
/// use std::time::Duration;
/// use scopegate_demo::store::SnapshotCache;
/// let cache = SnapshotCache::new(Duration::from_secs(1), true);
/// cache.evict(1); // nothing cached yet: nothing happens
/// assert_eq!(cache.len(), 0);
/// ```
pub struct SnapshotCache {
    ttl: Duration,
    entries: Mutex<Entries>,
    /// Whether evictions from other instances arrive; without them nothing is cached.
    listening: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl fmt::Debug for SnapshotCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotCache")
            .field("ttl", &self.ttl)
            .field("listening", &self.listening.load(Ordering::Relaxed))
            .field("organizations", &self.len())
            .finish()
    }
}

impl SnapshotCache {
    /// A cache that serves snapshots for at most `ttl` (zero: never). `listening` says whether
    /// evictions from every writer already arrive (true for a store only this process writes).
    pub fn new(ttl: Duration, listening: bool) -> SnapshotCache {
        SnapshotCache {
            ttl,
            entries: Mutex::new(Entries::default()),
            listening: AtomicBool::new(listening),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every update leaves the maps consistent: a panic elsewhere cannot break them.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The TTL.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How many organizations are cached.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Snapshots served from the cache, and read from the store, so far.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// Forgets organization `id`'s snapshot; a read of it already under way is not stored.
    pub fn evict(&self, id: i64) {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        entries.evicted_at.insert(id, now);
        entries.by_id.remove(&id);
    }

    /// Forgets every snapshot; reads under way are not stored.
    pub fn flush(&self) {
        let mut entries = self.lock();
        entries.clock += 1;
        entries.flushed_at = entries.clock;
        entries.by_id.clear();
        entries.by_slug.clear();
        entries.evicted_at.clear();
    }

    /// Says whether evictions from other writers arrive. Becoming deaf flushes the cache, and
    /// nothing is cached until evictions arrive again (the listener flushes again then).
    pub fn set_listening(&self, listening: bool) {
        // Deaf: stop caching, then forget (reads under way are not stored). Listening: forget,
        // then cache again (reads that started deaf are not stored either).
        if listening {
            self.flush();
            self.listening.store(true, Ordering::SeqCst);
        } else {
            self.listening.store(false, Ordering::SeqCst);
            self.flush();
        }
    }

    /// Whether evictions from other writers arrive.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    fn caching(&self) -> bool {
        !self.ttl.is_zero() && self.is_listening()
    }

    fn lookup(&self, key: &IdOrSlug, now: Instant) -> Option<Arc<OrganizationSnapshot>> {
        let entries = self.lock();
        let id = match key {
            IdOrSlug::Id(id) => *id,
            IdOrSlug::Slug(slug) => *entries.by_slug.get(slug)?,
        };
        let entry = entries.by_id.get(&id)?;
        let fresh = now.saturating_duration_since(entry.read_at) < self.ttl;
        let same_slug = match key {
            IdOrSlug::Id(_) => true,
            IdOrSlug::Slug(slug) => entry.snapshot.organization.slug == *slug,
        };
        (fresh && same_slug).then(|| Arc::clone(&entry.snapshot))
    }

    /// The snapshot of the organization `key` names: cached if fresh, else read with `load`
    /// (and cached unless the organization was evicted meanwhile).
    ///
    /// # Errors
    /// What `load` returns.
    pub fn get_or_load(
        &self,
        key: &IdOrSlug,
        load: impl FnOnce() -> StoreResult<Option<OrganizationSnapshot>>,
    ) -> StoreResult<Option<Arc<OrganizationSnapshot>>> {
        if !self.caching() {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Ok(load()?.map(Arc::new));
        }
        // Taken before the read starts, so the entry expires `ttl` after the oldest state it can hold.
        let read_at = Instant::now();
        if let Some(hit) = self.lookup(key, read_at) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(hit));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let started = self.lock().clock;
        let Some(snapshot) = load()? else { return Ok(None) };
        let snapshot = Arc::new(snapshot);
        let id = snapshot.organization.id;
        let mut entries = self.lock();
        let evicted_since =
            entries.flushed_at > started || entries.evicted_at.get(&id).is_some_and(|&at| at > started);
        if !evicted_since && self.caching() {
            entries.by_slug.insert(snapshot.organization.slug.clone(), id);
            entries.by_id.insert(id, Entry { snapshot: Arc::clone(&snapshot), read_at });
        }
        Ok(Some(snapshot))
    }
}

/// A [`ServiceStore`] whose [`DecisionReads`] take per-organization state from a
/// [`SnapshotCache`]: the [`OrganizationWrites`] go to the wrapped store and evict the
/// organization, and [`data`](ServiceStore::data) is the wrapped store itself. See the module docs.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<SnapshotCache>,
}

impl fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedStore").field("inner", &self.inner).field("cache", &self.cache).finish()
    }
}

impl CachedStore {
    /// `inner` with `cache` in front of its per-organization reads.
    pub fn new(inner: Arc<dyn Store>, cache: Arc<SnapshotCache>) -> CachedStore {
        CachedStore { inner, cache }
    }

    /// The cache.
    pub fn cache(&self) -> &Arc<SnapshotCache> {
        &self.cache
    }

    /// Runs a write that may change organization `id`'s snapshot, then evicts it, whatever the
    /// outcome (a failed commit may still have landed).
    fn changing<T>(
        &self,
        id: i64,
        write: impl FnOnce(&dyn OrganizationWrites) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let out = write(self.inner.as_ref());
        self.cache.evict(id);
        out
    }

    fn organization_snapshot_cached(&self, key: &IdOrSlug) -> StoreResult<Option<Arc<OrganizationSnapshot>>> {
        self.cache.get_or_load(key, || self.inner.organization_snapshot(key))
    }
}

impl DecisionReads for CachedStore {
    /// The credential from the store, the organization's state from its cached snapshot.
    fn request_facts(
        &self,
        secret: Option<(TokenKind, &str)>,
        target: Option<&IdOrSlug>,
    ) -> StoreResult<RequestFacts> {
        if !self.cache.caching() {
            return self.inner.request_facts(secret, target);
        }
        let credential = match secret {
            Some((kind, hash)) => self.inner.credential(kind, hash)?,
            None => None,
        };
        let snapshot = match target {
            Some(key) => self.organization_snapshot_cached(key)?,
            None => None,
        };
        let Some(snapshot) = snapshot else {
            return Ok(RequestFacts { credential, ..RequestFacts::default() });
        };
        let org = &snapshot.organization;
        let member = acting_user(credential.as_ref(), org.id).and_then(|u| snapshot.member_of(u)).cloned();
        Ok(RequestFacts {
            credential,
            organization: Some(org.clone()),
            member,
            settings: Some(snapshot.settings.clone()),
        })
    }

    fn organization_snapshot(&self, key: &IdOrSlug) -> StoreResult<Option<OrganizationSnapshot>> {
        Ok(self.organization_snapshot_cached(key)?.map(|s| OrganizationSnapshot::clone(&s)))
    }
}

impl OrganizationWrites for CachedStore {
    fn update_organization(
        &self,
        organization_id: i64,
        update: &OrganizationUpdate,
    ) -> StoreResult<Organization> {
        self.changing(organization_id, |s| s.update_organization(organization_id, update))
    }
    fn set_feature(&self, organization_id: i64, feature: &str, enabled: bool) -> StoreResult<bool> {
        self.changing(organization_id, |s| s.set_feature(organization_id, feature, enabled))
    }
    fn remove_member(&self, organization_id: i64, member_id: i64) -> StoreResult<MemberRemoval> {
        self.changing(organization_id, |s| s.remove_member(organization_id, member_id))
    }
    fn add_team_member(
        &self,
        organization_id: i64,
        team_id: i64,
        member_id: i64,
        rule: TeamJoinRule,
    ) -> StoreResult<TeamJoin> {
        self.changing(organization_id, |s| s.add_team_member(organization_id, team_id, member_id, rule))
    }
    fn remove_team_member(&self, organization_id: i64, team_id: i64, member_id: i64) -> StoreResult<bool> {
        self.changing(organization_id, |s| s.remove_team_member(organization_id, team_id, member_id))
    }
}

impl ServiceStore for CachedStore {
    /// The wrapped store: nothing in [`DataStore`] is cached or changes a snapshot.
    fn data(&self) -> &dyn DataStore {
        self.inner.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    fn acme_snapshot() -> OrganizationSnapshot {
        let store = SqliteStore::open_in_memory().unwrap();
        store.organization_snapshot(&IdOrSlug::Id(1)).unwrap().unwrap()
    }

    #[test]
    fn a_read_that_an_eviction_overtook_is_not_kept() {
        let cache = SnapshotCache::new(Duration::from_secs(60), true);
        let key = IdOrSlug::Slug("acme".into());
        let snapshot = acme_snapshot();
        // The organization changes (and is evicted) while the read is under way: what it read
        // may predate the change, so it serves this request only.
        let read = cache.get_or_load(&key, || {
            cache.evict(1);
            Ok(Some(snapshot.clone()))
        });
        assert!(read.unwrap().is_some());
        assert!(cache.is_empty(), "an overtaken read is not cached");
        // A flush overtakes it the same way.
        let _ = cache.get_or_load(&key, || {
            cache.flush();
            Ok(Some(snapshot.clone()))
        });
        assert!(cache.is_empty());
        // Another organization's eviction does not.
        let _ = cache.get_or_load(&key, || {
            cache.evict(2);
            Ok(Some(snapshot.clone()))
        });
        assert_eq!(cache.len(), 1);
        let (hits, _) = cache.hits_and_misses();
        let _ = cache.get_or_load(&IdOrSlug::Id(1), || panic!("served from the cache")).unwrap();
        assert_eq!(cache.hits_and_misses().0, hits + 1);
    }

    #[test]
    fn a_slug_that_moved_is_not_served_from_the_cache() {
        let cache = SnapshotCache::new(Duration::from_secs(60), true);
        let snapshot = acme_snapshot();
        let _ = cache.get_or_load(&IdOrSlug::Slug("acme".into()), || Ok(Some(snapshot.clone())));
        let mut renamed = snapshot.clone();
        renamed.organization.slug = "acme-corp".into();
        // Read under the new slug (after an eviction this instance missed): the old slug no longer
        // names a cached organization.
        cache.evict(1);
        let _ = cache.get_or_load(&IdOrSlug::Slug("acme-corp".into()), || Ok(Some(renamed.clone())));
        let old = cache.get_or_load(&IdOrSlug::Slug("acme".into()), || Ok(None)).unwrap();
        assert!(old.is_none(), "the old slug is read from the store again");
    }

    #[test]
    fn nothing_is_cached_without_listening_or_with_a_zero_ttl() {
        for cache in
            [SnapshotCache::new(Duration::from_secs(60), false), SnapshotCache::new(Duration::ZERO, true)]
        {
            let snapshot = acme_snapshot();
            let _ = cache.get_or_load(&IdOrSlug::Id(1), || Ok(Some(snapshot.clone())));
            assert!(cache.is_empty());
        }
        let cache = SnapshotCache::new(Duration::from_secs(60), true);
        let _ = cache.get_or_load(&IdOrSlug::Id(1), || Ok(Some(acme_snapshot())));
        cache.set_listening(false);
        assert!(cache.is_empty(), "deaf: flushed");
    }
}
