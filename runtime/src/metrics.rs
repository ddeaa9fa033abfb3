//! Decision metrics through the [`metrics`](https://docs.rs/metrics) facade (feature `metrics`):
//! the service installs the recorder it likes (the demo: Prometheus text on `--metrics-addr`).
//!
//! * `scopegate_decisions_total{endpoint, method, outcome, reason}` — one per decision of the axum
//!   layer (`outcome` is `allow` or `deny`, `reason` the denial's code or `allowed`); a service
//!   that decides with [`Registry::authorize`] itself calls [`record_decision`].
//! * `scopegate_would_break_total{endpoint, method}` — requests the current policy allowed and the
//!   planned one would deny ([`shadow`](crate::shadow)); [`publish_would_break`] sets them from the
//!   registry's exact counters (the [`Drain`](crate::shadow::Drain) thread does, every drain).
//!
//! Label values are the declarations' `&'static str`s: recording allocates nothing of its own.
//! The decision itself records nothing, so it stays free of allocation and locks whatever the
//! recorder does.

use crate::decision::Decision;
use crate::record::Endpoint;
use crate::registry::Registry;

/// The decisions counter.
pub const DECISIONS: &str = "scopegate_decisions_total";
/// The would-break counter.
pub const WOULD_BREAK: &str = "scopegate_would_break_total";

/// Counts one decision for `endpoint`.
pub fn record_decision(endpoint: &'static Endpoint, decision: &Decision) {
    let (outcome, reason) = match decision {
        Decision::Allow(_) => ("allow", "allowed"),
        Decision::Deny(denial) => ("deny", denial.reason.code()),
    };
    metrics::counter!(
        DECISIONS,
        "endpoint" => endpoint.handler(),
        "method" => endpoint.method().as_str(),
        "outcome" => outcome,
        "reason" => reason,
    )
    .increment(1);
}

/// Sets `scopegate_would_break_total` of every endpoint with a planned policy from the registry's
/// counters.
pub fn publish_would_break(registry: &Registry) {
    for (endpoint, count) in registry.would_break_counts() {
        metrics::counter!(WOULD_BREAK, "endpoint" => endpoint.handler(), "method" => endpoint.method().as_str())
            .absolute(count);
    }
}
