//! Paying the policy debt down without surprises: the demo's side of scopegate's tightening
//! (`scopegate::shadow`, `scopegate::tighten`).
//!
//! * [`RollupSink`] is the [`UsageSink`] `serve` drains the registry's would-break events into
//!   (a [`scopegate::shadow::Drain`] thread, every second and once more at shutdown): it adds each
//!   batch to the daily rollups in the database (`would_break_rollups`), in one transaction,
//!   within the bounds of [`store::UsageBounds`](crate::store::UsageBounds).
//! * [`StoredUsage`] is the [`UsageStore`] the `tighten-report` command reads them back through,
//!   and `scopegate::tighten::{to_json, to_markdown}` print what `scopegate::tighten::report` makes of
//!   them.
//! * [`gates`] records which members use the replay area each day, and previews who a change of
//!   the replay access settings would lock out (`GET …/replays/access-preview/`, `gate-preview`).
//!
//! **Principals.** scopegate's event names the principal's kind, its user (sessions, user tokens,
//! superusers) and the organization. The rollups name a principal by the **user id** for the
//! user kinds (a user token is one of its user's credentials: the report says which user would
//! break, and the kind says through which credential) and by the **organization id** for
//! organization tokens and integrations (the demo does not tell an organization's tokens apart in
//! the event; the organization is whom to tell). An anonymous principal has no id.
//!
//! **Why the sink writes synchronously.** The store is synchronous (see [`crate::store`]), and
//! `Drain` calls the sink on a thread of its own, outside the async runtime: there the sink may
//! block, so it calls the store directly — one transaction per batch — with no channel or runtime
//! handle between them. (The PostgreSQL client must not run on an async worker thread; the drain
//! thread is not one.) A batch the database refuses stays pending (bounded) and is written with
//! the next one; `serve` flushes once more after the drain's last batch at shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use scopegate::Date;
use scopegate::shadow::{UsageSink, WouldBreak};
use scopegate::tighten::{Usage, UsageStore};

use crate::store::{
    DataStore, RETENTION_DAYS, RollupKey, RollupWrite, ServiceStore, StoreResult, UsageBounds, day_of_ms,
    days_before,
};

pub mod gates;

/// The most distinct rollup rows a sink keeps pending while the database refuses them; the
/// requests of further rows are dropped (and logged).
pub const MAX_PENDING_ROWS: usize = 100_000;

/// The rollup row an event adds one request to (see the module docs for the principal's id).
///
/// ```
/// use scopegate::shadow::WouldBreak;
/// use scopegate::{OrganizationId, UserId};
/// let endpoint = scopegate::Registry::global().iter().find(|e| e.name() == "create_dashboard").unwrap();
/// let event = WouldBreak {
///     endpoint,
///     principal_kind: "user_token",
///     user: Some(UserId(3)),
///     organization: Some(OrganizationId(1)),
///     at_ms: 1_796_558_400_000, // 2026-12-06T12:00:00Z
/// };
/// let key = scopegate_demo::tightening::rollup_key(&event);
/// assert_eq!((key.day.to_string().as_str(), key.principal.as_deref(), key.organization_id), ("2026-12-06", Some("3"), Some(1)));
/// let org_token = WouldBreak { principal_kind: "org_token", user: None, ..event };
/// assert_eq!(scopegate_demo::tightening::rollup_key(&org_token).principal.as_deref(), Some("1"));
/// ```
pub fn rollup_key(event: &WouldBreak) -> RollupKey {
    let principal = match event.principal_kind {
        "org_token" | "integration" => event.organization.map(|o| o.0.to_string()),
        _ => event.user.map(|u| u.0.to_string()),
    };
    RollupKey {
        day: day_of_ms(event.at_ms),
        handler: event.endpoint.handler().to_owned(),
        method: event.endpoint.method(),
        principal_kind: event.principal_kind.to_owned(),
        principal,
        // Row ids are positive i64s; an id that is not one names no organization of the demo.
        organization_id: event.organization.and_then(|o| i64::try_from(o.0).ok()),
    }
}

/// The [`UsageSink`] of `serve`: adds drained batches to the daily rollups (see the module docs).
/// Cloning shares the pending rows.
#[derive(Clone)]
pub struct RollupSink {
    store: Arc<dyn ServiceStore>,
    pending: Arc<Mutex<HashMap<RollupKey, u64>>>,
}

impl std::fmt::Debug for RollupSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RollupSink").field("pending", &self.lock().len()).finish_non_exhaustive()
    }
}

impl RollupSink {
    /// A sink writing into `store`.
    pub fn new(store: Arc<dyn ServiceStore>) -> RollupSink {
        RollupSink { store, pending: Arc::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RollupKey, u64>> {
        // A panic while holding the lock left whole rows behind: keep them.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the events to the pending rows; returns how many were dropped because
    /// [`MAX_PENDING_ROWS`] rows were already pending.
    pub fn add(&self, events: &[WouldBreak]) -> u64 {
        let mut pending = self.lock();
        let mut dropped = 0;
        for event in events {
            let key = rollup_key(event);
            let room = pending.len() < MAX_PENDING_ROWS;
            match pending.get_mut(&key) {
                Some(requests) => *requests = requests.saturating_add(1),
                None if room => {
                    pending.insert(key, 1);
                }
                None => dropped += 1,
            }
        }
        dropped
    }

    /// How many rows are pending.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// Writes every pending row in one transaction; on failure they stay pending.
    ///
    /// # Errors
    /// The store's.
    pub fn write_pending(&self) -> StoreResult<RollupWrite> {
        let mut rows: Vec<(RollupKey, u64)> = std::mem::take(&mut *self.lock()).into_iter().collect();
        if rows.is_empty() {
            return Ok(RollupWrite::default());
        }
        rows.sort();
        match self.store.data().record_would_break(&rows, &UsageBounds::now()) {
            Ok(written) => Ok(written),
            Err(e) => {
                let mut pending = self.lock();
                for (key, requests) in rows {
                    if pending.len() < MAX_PENDING_ROWS || pending.contains_key(&key) {
                        let slot = pending.entry(key).or_insert(0);
                        *slot = slot.saturating_add(requests);
                    }
                }
                Err(e)
            }
        }
    }
}

impl UsageSink for RollupSink {
    /// After each drain and at shutdown: what the database refused before is retried even when
    /// no new events came.
    fn flush(&self) {
        if self.pending() > 0
            && let Err(e) = self.write_pending()
        {
            tracing::warn!(error = %e, rows = self.pending(), "cannot write the pending usage rollups");
        }
    }

    fn record(&self, events: &[WouldBreak], dropped: u64) {
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "would-break events were lost between two drains (scopegate_would_break_total still counts them)"
            );
        }
        let overflow = self.add(events);
        if overflow > 0 {
            tracing::warn!(dropped = overflow, "too many usage rollup rows pending; requests dropped");
        }
        match self.write_pending() {
            Ok(written) => {
                if written.folded > 0 {
                    tracing::debug!(folded = written.folded, "requests folded into the `other` principal");
                }
            }
            Err(e) => tracing::warn!(
                error = %e,
                pending = self.pending(),
                "cannot write the usage rollups; they are kept for the next drain"
            ),
        }
    }
}

/// The would-break rollups of a store, as `scopegate::tighten` reads them.
#[derive(Clone, Copy, Debug)]
pub struct StoredUsage<'s>(pub &'s dyn DataStore);

impl UsageStore for StoredUsage<'_> {
    fn usage_since(&self, since: Date) -> Result<Vec<Usage>, String> {
        self.0.would_break_since(since).map_err(|e| e.to_string())
    }
}

/// A report window's first day from `--since`, read by `scopegate::tighten::parse_since` (`Nd`, the
/// last N days with today, or a date `YYYY-MM-DD`), within the retention window (1 to
/// [`RETENTION_DAYS`] days).
///
/// ```
/// use scopegate::Date;
/// use scopegate_demo::tightening::parse_since;
/// let today = Date::parse("2026-12-06").unwrap();
/// assert_eq!(parse_since("30d", today).unwrap().to_string(), "2026-11-07");
/// assert_eq!(parse_since("1d", today), Ok(today));
/// assert_eq!(parse_since("2026-12-01", today).unwrap().to_string(), "2026-12-01");
/// assert!(parse_since("91d", today).unwrap_err().contains("90 days"));
/// assert!(parse_since("2026-12-07", today).unwrap_err().contains("after today"));
/// assert!(parse_since("yesterday", today).is_err());
/// ```
///
/// # Errors
/// A message saying what is accepted.
pub fn parse_since(text: &str, today: Date) -> Result<Date, String> {
    let since = scopegate::tighten::parse_since(text.trim(), today)?;
    let oldest = days_before(today, RETENTION_DAYS - 1);
    if since < oldest {
        return Err(format!(
            "`{}` reaches back before {oldest}: rollups are kept for {RETENTION_DAYS} days, so there is nothing to read",
            text.trim()
        ));
    }
    Ok(since)
}
