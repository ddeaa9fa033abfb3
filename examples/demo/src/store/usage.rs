//! Usage rollups, the data of tightening (see [`tightening`](crate::tightening)): per day,
//! endpoint, principal and organization, the requests the current policy allowed and the planned
//! one would deny (`would_break_rollups`); and which members used a gated area on which day
//! (`gate_usage`).
//!
//! Both tables are **bounded** by their writers, whatever the traffic:
//!
//! * at most [`UsageBounds::principals_per_endpoint_day`] distinct principals per endpoint and day
//!   (1,000 by default); the requests of further principals are added to one row per principal
//!   kind whose principal is [`OTHER_PRINCIPAL`] (and whose organization is none), so an endpoint
//!   holds at most that many rows a day plus one per kind;
//! * at most [`UsageBounds::gate_users_per_day`] users per organization, gate and day (10,000);
//! * a retention window ([`RETENTION_DAYS`], 90 days): each write deletes the rows of days before
//!   [`UsageBounds::oldest_kept`] in its transaction, and drops what it was given for them.
//!
//! A batch is written in one transaction; on PostgreSQL the writers of all instances take one
//! advisory lock for it, so the bound on principals is exact however many instances write.
//! What the two backends differ in (the type of `day`: text in SQLite, `date` in PostgreSQL) stays
//! in each backend, behind [`RollupTx`] and [`GateUseTx`]; the bounding is written once, here.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use scopegate::{Date, Method};

use super::{StoreError, StoreResult};

/// How many days of rollups are kept, today included.
pub const RETENTION_DAYS: u32 = 90;

/// The most distinct principals recorded per endpoint and day; the requests of further ones are
/// folded into the [`OTHER_PRINCIPAL`] row of their kind.
pub const MAX_PRINCIPALS_PER_ENDPOINT_DAY: u64 = 1_000;

/// The most users recorded per organization, gate and day for the rollout preview.
pub const MAX_GATE_USERS_PER_DAY: u64 = 10_000;

/// The principal of the row that holds the requests of the principals beyond the bound.
pub const OTHER_PRINCIPAL: &str = "other";

/// The bounds a write keeps the tables within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageBounds {
    /// Distinct principals per endpoint and day (see the module docs).
    pub principals_per_endpoint_day: u64,
    /// Distinct users per organization, gate and day.
    pub gate_users_per_day: u64,
    /// The first day kept: each write deletes the rows of earlier days, and drops what it was
    /// given for them.
    pub oldest_kept: Date,
}

impl UsageBounds {
    /// The default bounds, with the retention window ending `today`.
    ///
    /// ```
    /// use scopegate::Date;
    /// use scopegate_demo::store::UsageBounds;
    /// let bounds = UsageBounds::ending(Date::parse("2026-12-06").unwrap());
    /// assert_eq!(bounds.oldest_kept.to_string(), "2026-09-08"); // 90 days, today included
    /// assert_eq!(bounds.principals_per_endpoint_day, 1_000);
    /// ```
    pub fn ending(today: Date) -> UsageBounds {
        UsageBounds {
            principals_per_endpoint_day: MAX_PRINCIPALS_PER_ENDPOINT_DAY,
            gate_users_per_day: MAX_GATE_USERS_PER_DAY,
            oldest_kept: days_before(today, RETENTION_DAYS - 1),
        }
    }

    /// [`ending`](Self::ending) today (UTC).
    pub fn now() -> UsageBounds {
        UsageBounds::ending(Date::today())
    }
}

/// The day `days` days before `day` (not before 1970-01-01).
pub fn days_before(day: Date, days: u32) -> Date {
    Date::from_days(day.days_since_epoch() - i64::from(days))
}

/// The day of a time in milliseconds since the Unix epoch (UTC).
pub fn day_of_ms(at_ms: u64) -> Date {
    Date::from_days(i64::try_from(at_ms / 86_400_000).unwrap_or(i64::MAX))
}

/// One row of `would_break_rollups`, without its count.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RollupKey {
    /// The day (UTC).
    pub day: Date,
    /// The endpoint's handler, as [`scopegate::Endpoint::handler`] names it.
    pub handler: String,
    /// The endpoint's method.
    pub method: Method,
    /// The principal's kind (`session`, `user_token`, `superuser`, `org_token`, …).
    pub principal_kind: String,
    /// The principal's id (see [`tightening`](crate::tightening)), if it has one.
    pub principal: Option<String>,
    /// The organization, if the request had one.
    pub organization_id: Option<i64>,
}

/// What a rollup write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollupWrite {
    /// Rows created or added to.
    pub rows: usize,
    /// Requests added to an [`OTHER_PRINCIPAL`] row because their endpoint had its quota of
    /// principals that day.
    pub folded: u64,
    /// Requests dropped because their day is before the retention window.
    pub too_old: u64,
    /// Rows deleted because their day left the retention window.
    pub expired: u64,
}

/// A member who used a gated area on a day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GateUse {
    /// The organization.
    pub organization_id: i64,
    /// The gate (`replay`).
    pub gate: String,
    /// The user.
    pub user_id: i64,
    /// The day (UTC).
    pub day: Date,
}

/// What recording a [`GateUse`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateUseWrite {
    /// It is recorded now.
    Recorded,
    /// It already was.
    AlreadyRecorded,
    /// Not recorded: the organization has its quota of users for the gate that day.
    OverBound,
    /// Not recorded: the day is before the retention window.
    TooOld,
}

/// A member who used a gated area in a window, and the last day they did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateUser {
    /// The user.
    pub user_id: i64,
    /// The last day in the window they used it.
    pub last_used: Date,
}

/// One row as the backends write it: the day as `YYYY-MM-DD`, none as `''` and `0`.
#[derive(Clone, Debug)]
pub(crate) struct RollupRow<'a> {
    pub(crate) day: &'a str,
    pub(crate) handler: &'a str,
    pub(crate) method: &'static str,
    pub(crate) principal_kind: &'a str,
    pub(crate) principal: &'a str,
    pub(crate) organization_id: i64,
    pub(crate) requests: i64,
}

/// The statements a backend runs for [`write_rollups`], inside the batch's transaction.
pub(crate) trait RollupTx {
    /// Deletes the rows of days before `day`; how many.
    fn forget_rollups_before(&mut self, day: &str) -> StoreResult<u64>;
    /// Adds `row.requests` to the row with `row`'s key; `false` when there is none.
    fn add_to_rollup(&mut self, row: &RollupRow<'_>) -> StoreResult<bool>;
    /// How many principals other than [`OTHER_PRINCIPAL`] have a row for the endpoint that day.
    fn rollup_principals(&mut self, day: &str, handler: &str, method: &str) -> StoreResult<u64>;
    /// Inserts `row`, or adds its requests to the row with its key.
    fn upsert_rollup(&mut self, row: &RollupRow<'_>) -> StoreResult<()>;
}

/// Adds `rows` to the rollups, within `bounds` (see the module docs): the whole batch in the
/// caller's transaction.
pub(crate) fn write_rollups(
    tx: &mut impl RollupTx,
    rows: &[(RollupKey, u64)],
    bounds: &UsageBounds,
) -> StoreResult<RollupWrite> {
    let mut out = RollupWrite {
        expired: tx.forget_rollups_before(&bounds.oldest_kept.to_string())?,
        ..RollupWrite::default()
    };
    // Principals per endpoint and day, as counted in this transaction.
    let mut principals: HashMap<(Date, &str, Method), u64> = HashMap::new();
    for (key, requests) in rows {
        if *requests == 0 {
            continue;
        }
        if key.day < bounds.oldest_kept {
            out.too_old = out.too_old.saturating_add(*requests);
            continue;
        }
        let day = key.day.to_string();
        let mut row = RollupRow {
            day: &day,
            handler: &key.handler,
            method: key.method.as_str(),
            principal_kind: &key.principal_kind,
            principal: key.principal.as_deref().unwrap_or(""),
            organization_id: key.organization_id.unwrap_or(0),
            requests: i64::try_from(*requests)
                .map_err(|_| StoreError::Invalid(format!("{requests} requests in one row")))?,
        };
        out.rows += 1;
        if tx.add_to_rollup(&row)? {
            continue;
        }
        if row.principal != OTHER_PRINCIPAL {
            let count = match principals.entry((key.day, key.handler.as_str(), key.method)) {
                Entry::Occupied(counted) => counted.into_mut(),
                Entry::Vacant(slot) => slot.insert(tx.rollup_principals(&day, &key.handler, row.method)?),
            };
            if *count >= bounds.principals_per_endpoint_day {
                row.principal = OTHER_PRINCIPAL;
                row.organization_id = 0;
                out.folded = out.folded.saturating_add(*requests);
            } else {
                *count += 1;
            }
        }
        tx.upsert_rollup(&row)?;
    }
    Ok(out)
}

/// The statements a backend runs for [`write_gate_use`], inside one transaction.
pub(crate) trait GateUseTx {
    /// Deletes the rows of days before `day`.
    fn forget_gate_use_before(&mut self, day: &str) -> StoreResult<u64>;
    /// Whether the use is recorded.
    fn gate_use_recorded(
        &mut self,
        organization_id: i64,
        gate: &str,
        day: &str,
        user_id: i64,
    ) -> StoreResult<bool>;
    /// How many users the organization has recorded for the gate that day.
    fn gate_users_on(&mut self, organization_id: i64, gate: &str, day: &str) -> StoreResult<u64>;
    /// Records the use.
    fn insert_gate_use(
        &mut self,
        organization_id: i64,
        gate: &str,
        day: &str,
        user_id: i64,
    ) -> StoreResult<()>;
}

/// Records one gate use within `bounds`, in the caller's transaction.
pub(crate) fn write_gate_use(
    tx: &mut impl GateUseTx,
    used: &GateUse,
    bounds: &UsageBounds,
) -> StoreResult<GateUseWrite> {
    tx.forget_gate_use_before(&bounds.oldest_kept.to_string())?;
    if used.day < bounds.oldest_kept {
        return Ok(GateUseWrite::TooOld);
    }
    let day = used.day.to_string();
    if tx.gate_use_recorded(used.organization_id, &used.gate, &day, used.user_id)? {
        return Ok(GateUseWrite::AlreadyRecorded);
    }
    if tx.gate_users_on(used.organization_id, &used.gate, &day)? >= bounds.gate_users_per_day {
        return Ok(GateUseWrite::OverBound);
    }
    tx.insert_gate_use(used.organization_id, &used.gate, &day, used.user_id)?;
    Ok(GateUseWrite::Recorded)
}

/// A stored day, `YYYY-MM-DD`.
pub(crate) fn stored_day(text: &str) -> StoreResult<Date> {
    Date::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("a usage rollup has the malformed day {text:?}")))
}

/// A stored method.
pub(crate) fn stored_method(text: &str) -> StoreResult<Method> {
    Method::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("a usage rollup has the unknown method {text:?}")))
}

/// A stored rollup row as the report reads it: `''` and `0` are none.
pub(crate) fn usage_row(
    day: &str,
    handler: String,
    method: &str,
    principal_kind: String,
    principal: String,
    organization_id: i64,
    requests: i64,
) -> StoreResult<scopegate::tighten::Usage> {
    Ok(scopegate::tighten::Usage {
        handler,
        method: stored_method(method)?,
        principal_kind,
        principal: (!principal.is_empty()).then_some(principal),
        organization: (organization_id != 0).then(|| organization_id.to_string()),
        day: stored_day(day)?,
        requests: u64::try_from(requests).unwrap_or(0),
    })
}
