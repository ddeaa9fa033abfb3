//! Tightening without surprises: the planned policy of every endpoint with policy debt is
//! evaluated beside the real one on each request, and each request the real policy allows and the
//! plan would deny is recorded — off the hot path's locks and allocations — so that a report can
//! say, from real traffic, who removing the exception would break.
//!
//! A decision that allows a request to an endpoint with a plan evaluates the plan on the same
//! standing (a few word operations). When the plan would deny, it adds one to the plan's counter
//! and writes the event (endpoint, principal, organization, time) into a fixed ring of slots
//! with atomic stores: no lock, no allocation. [`Registry::drain_would_break`] (or a [`Drain`]
//! thread) moves the events to a [`UsageSink`] the service implements — its usage store — in
//! batches; a ring that fills between two drains overwrites its oldest events, which the drain
//! counts as dropped (the counters stay exact).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::principal::{OrganizationId, Principal, UserCredential, UserId};
use crate::record::Endpoint;
use crate::registry::Registry;

/// Events the ring holds between two drains.
const RING: usize = 4096;

/// Who was allowed by the exception: the principal's kind (see [`Principal::kind`]), the user for
/// users, and the organization the request targeted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WouldBreak {
    /// The endpoint whose plan would have denied the request.
    pub endpoint: &'static Endpoint,
    /// `session`, `user_token`, `superuser`, `org_token` or `integration`.
    pub principal_kind: &'static str,
    /// The user, for sessions and user tokens.
    pub user: Option<UserId>,
    /// The organization of an organization token or integration, else the request's target
    /// organization.
    pub organization: Option<OrganizationId>,
    /// When it was drained, to the millisecond (since the Unix epoch): within one drain period of
    /// the request (a second with [`Drain`]), which daily rollups need; reading the clock on every
    /// recorded request cost more than recording it.
    pub at_ms: u64,
}

impl WouldBreak {
    /// [`at_ms`](Self::at_ms) as a time.
    pub fn at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.at_ms)
    }
}

/// Where drained events go: the service's usage store (the demo keeps daily rollups per
/// endpoint and principal in its database).
pub trait UsageSink: Send + Sync {
    /// Stores a batch of events; `dropped` is how many events were lost since the previous
    /// batch because the ring overflowed between two drains (the plans' counters still hold them).
    fn record(&self, events: &[WouldBreak], dropped: u64);

    /// Called by [`Drain`] after every drain, events or not, and once more at shutdown: a sink
    /// that keeps what its store refused retries it here. Does nothing by default.
    fn flush(&self) {}
}

/// What one drain moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Events handed to the sink.
    pub events: usize,
    /// Events lost to an overflowing ring since the previous drain.
    pub dropped: u64,
}

/// One event (without its time: see [`WouldBreak::at_ms`]), in atomics: a writer claims the slot with a ticket, marks it busy (odd sequence),
/// writes, and publishes it (even sequence); a reader takes it only if the sequence is the
/// ticket's before and after reading (a seqlock written with atomics: no `unsafe`).
#[derive(Default)]
struct Slot {
    seq: AtomicU64,
    endpoint: AtomicU64,
    kind: AtomicU64,
    user: [AtomicU64; 2],
    organization: [AtomicU64; 2],
}

/// The shadow state of a registry: the ring of recent events and the drain's position.
pub(crate) struct ShadowLog {
    slots: Box<[Slot]>,
    head: AtomicU64,
    tail: Mutex<u64>,
}

impl std::fmt::Debug for ShadowLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowLog")
            .field("recorded", &self.head.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Principal kinds in the ring, in [`Principal::kind`]'s names.
const KINDS: [&str; 6] = ["anonymous", "session", "user_token", "superuser", "org_token", "integration"];
const NONE: u64 = u64::MAX;

fn split(id: u128) -> [u64; 2] {
    // Truncation is the point: the low and the high half.
    [id as u64, (id >> 64) as u64]
}

fn join(halves: [u64; 2]) -> u128 {
    u128::from(halves[0]) | u128::from(halves[1]) << 64
}

impl ShadowLog {
    pub(crate) fn new() -> ShadowLog {
        ShadowLog {
            slots: (0..RING).map(|_| Slot::default()).collect(),
            head: AtomicU64::new(0),
            tail: Mutex::new(0),
        }
    }

    /// Records one event: atomics only (the caller already counted it on its plan).
    #[cold]
    #[inline(never)]
    pub(crate) fn record(&self, endpoint: usize, principal: &Principal, target: Option<OrganizationId>) {
        let (kind, user, organization) = match *principal {
            Principal::User { id, active_superuser: true, .. } => (3, Some(id), target),
            Principal::User { id, credential: UserCredential::Session, .. } => (1, Some(id), target),
            Principal::User { id, credential: UserCredential::Token { .. }, .. } => (2, Some(id), target),
            Principal::OrgToken { organization, .. } => (4, None, Some(organization)),
            Principal::Integration { organization, .. } => (5, None, Some(organization)),
            Principal::Anonymous => (0, None, target),
        };
        let ticket = self.head.fetch_add(1, Ordering::Relaxed);
        let slot = &self.slots[(ticket % RING as u64) as usize];
        slot.seq.store(2 * ticket + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        slot.endpoint.store(endpoint as u64, Ordering::Relaxed);
        slot.kind.store(kind, Ordering::Relaxed);
        let user = user.map_or([NONE, NONE], |u| split(u.0));
        let organization = organization.map_or([NONE, NONE], |o| split(o.0));
        for (cell, value) in slot.user.iter().zip(user).chain(slot.organization.iter().zip(organization)) {
            cell.store(value, Ordering::Relaxed);
        }
        slot.seq.store(2 * ticket + 2, Ordering::Release);
    }

    /// Takes every published event since the previous drain; an event still being written stays
    /// for the next drain.
    fn drain(&self, endpoints: &[&'static Endpoint], out: &mut Vec<WouldBreak>) -> u64 {
        let mut tail = self.tail.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let head = self.head.load(Ordering::Acquire);
        let mut dropped = 0;
        if head - *tail > RING as u64 {
            dropped += head - *tail - RING as u64;
            *tail = head - RING as u64;
        }
        while *tail < head {
            let ticket = *tail;
            let slot = &self.slots[(ticket % RING as u64) as usize];
            let published = 2 * ticket + 2;
            let before = slot.seq.load(Ordering::Acquire);
            if before < published {
                break; // Claimed, not yet written: the next drain takes it.
            }
            let endpoint = slot.endpoint.load(Ordering::Relaxed) as usize;
            let kind = slot.kind.load(Ordering::Relaxed) as usize;
            let user = join([slot.user[0].load(Ordering::Relaxed), slot.user[1].load(Ordering::Relaxed)]);
            let organization = join([
                slot.organization[0].load(Ordering::Relaxed),
                slot.organization[1].load(Ordering::Relaxed),
            ]);
            fence(Ordering::Acquire);
            let after = slot.seq.load(Ordering::Relaxed);
            *tail += 1;
            match endpoints.get(endpoint) {
                Some(e) if before == published && after == published => out.push(WouldBreak {
                    endpoint: e,
                    principal_kind: KINDS.get(kind).copied().unwrap_or("anonymous"),
                    user: (user != u128::MAX).then_some(UserId(user)),
                    organization: (organization != u128::MAX).then_some(OrganizationId(organization)),
                    at_ms,
                }),
                // Overwritten by a writer a whole ring later.
                _ => dropped += 1,
            }
        }
        dropped
    }
}

impl Registry {
    /// Moves the events recorded since the previous drain — requests the current policy allowed
    /// and the planned one would deny — to `sink`, in one batch. Call it periodically (a
    /// [`Drain`] thread does) and once at shutdown.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use scopegate::{AccessRequest, Membership, Method, OrganizationId, Principal, Registry, UserId};
    /// use scopegate::shadow::{UsageSink, WouldBreak};
    ///
    /// #[scopegate::endpoint(
    ///     method = POST,
    ///     path = "/shadow-docs/organizations/{org}/dashboards/",
    ///     scopes = ["org:read", "org:write"],
    ///     readonly_exception = "Members may create dashboards without org:write.",
    /// )]
    /// async fn create_dashboard() {}
    ///
    /// #[derive(Default)]
    /// struct Collected(Mutex<Vec<WouldBreak>>);
    /// impl UsageSink for Collected {
    ///     fn record(&self, events: &[WouldBreak], _dropped: u64) {
    ///         self.0.lock().unwrap().extend_from_slice(events);
    ///     }
    /// }
    ///
    /// let registry = Registry::global();
    /// let member = Membership {
    ///     organization: OrganizationId(1),
    ///     role_scopes: registry.scope_set(["org:read", "org:write"]),
    ///     teams: &[],
    /// };
    /// // A read-only token gets in through the exception; the plan (`org:write`) would refuse it.
    /// let reader = Principal::user_token(UserId(7), registry.scope_set(["org:read"]));
    /// let org = scopegate::OrganizationState::builder(registry.config(), OrganizationId(1)).build();
    /// let request = AccessRequest::new(Method::Post, "/shadow-docs/organizations/acme/dashboards/", &reader)
    ///     .with_membership(&member)
    ///     .with_organization(&org);
    /// assert!(registry.authorize(&request).is_allowed());
    ///
    /// let sink = Collected::default();
    /// registry.drain_would_break(&sink);
    /// let events = sink.0.lock().unwrap();
    /// assert_eq!(events.len(), 1);
    /// assert_eq!((events[0].endpoint.name(), events[0].principal_kind, events[0].user), ("create_dashboard", "user_token", Some(UserId(7))));
    /// ```
    pub fn drain_would_break(&self, sink: &dyn UsageSink) -> Drained {
        let mut events = Vec::new();
        let dropped = self.shadow.drain(self.endpoints(), &mut events);
        if !events.is_empty() || dropped > 0 {
            sink.record(&events, dropped);
        }
        Drained { events: events.len(), dropped }
    }

    /// For each endpoint with a planned policy: how many requests since the registry was built
    /// the current policy allowed and the plan would have denied (exact, whatever the ring
    /// dropped).
    pub fn would_break_counts(&self) -> impl Iterator<Item = (&'static Endpoint, u64)> + '_ {
        self.plans.iter().map(|plan| (plan.policy.endpoint, plan.would_break.load(Ordering::Relaxed)))
    }
}

/// A background thread that drains a registry's would-break events into a sink every `every`,
/// and once more when shut down (so a graceful shutdown loses nothing recorded), calling the
/// sink's [`flush`](UsageSink::flush) after each drain.
///
/// ```no_run
/// # struct Store;
/// # impl scopegate::shadow::UsageSink for Store { fn record(&self, _: &[scopegate::shadow::WouldBreak], _: u64) {} }
/// let drain = scopegate::shadow::Drain::spawn(scopegate::Registry::global(), Store, std::time::Duration::from_secs(1));
/// // … serve until shutdown …
/// drain.shutdown();
/// ```
#[derive(Debug)]
pub struct Drain {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drain {
    /// Starts the thread.
    pub fn spawn<S: UsageSink + 'static>(registry: &'static Registry, sink: S, every: Duration) -> Drain {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("scopegate-drain".into())
            .spawn(move || {
                let drain = || {
                    registry.drain_would_break(&sink);
                    sink.flush();
                    #[cfg(feature = "metrics")]
                    crate::metrics::publish_would_break(registry);
                };
                while !flag.load(Ordering::Acquire) {
                    std::thread::park_timeout(every);
                    drain();
                }
                drain();
            })
            .ok();
        Drain { stop, thread }
    }

    /// Stops the thread after a last drain, and waits for it.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // A sink that panicked has nothing more to drain into.
            let _ = thread.join();
        }
    }
}

impl Drop for Drain {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
