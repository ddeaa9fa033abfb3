//! Fixtures shared by scopegate's benchmarks (`benches/`) and the load, compile-time and memory
//! binaries (`src/bin/`): the endpoint sets, the request scenarios, and the two implementations
//! scopegate is compared with.
//!
//! * [`endpoints`]: a realistic Sentry-like set of about 90 endpoints, and a generator of large
//!   registries (10,000 endpoints) built from leaked [`Endpoint`](scopegate::Endpoint) records.
//! * [`plain`]: the permission check written the way Sentry's Python does it (strings, hash sets,
//!   the hierarchy expanded on every request, routes found by a list scan).
//! * [`casbin_ref`]: the same policy as a casbin RESTful model (`keyMatch3`), enforced per scope.
//! * [`scenario`]: the allowed and denied requests every implementation decides, in the three
//!   representations.
//! * [`vocabulary`]: registries over vocabularies of 128 and 1,024 scopes, any-of and all-of.
//! * [`server`]: the axum application (one trivial handler per endpoint), with or without
//!   scopegate's enforcement layer and an in-memory [`Resolver`](scopegate::axum::Resolver).

pub mod casbin_ref;
pub mod endpoints;
pub mod plain;
pub mod scenario;
pub mod server;
pub mod vocabulary;

/// The median of `values` (the mean of the two middle values for an even count); `None` when empty.
///
/// ```
/// assert_eq!(scopegate_bench::median(&mut [3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(scopegate_bench::median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
/// assert_eq!(scopegate_bench::median(&mut []), None);
/// ```
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}

/// The `p`-th percentile (`0.0..=100.0`, nearest rank) of sorted `values`; `None` when empty.
///
/// ```
/// let v: Vec<u64> = (1..=100).collect();
/// assert_eq!(scopegate_bench::percentile(&v, 99.0), Some(99));
/// assert_eq!(scopegate_bench::percentile(&v, 100.0), Some(100));
/// assert_eq!(scopegate_bench::percentile(&v, 0.0), Some(1));
/// assert_eq!(scopegate_bench::percentile(&[], 50.0), None);
/// ```
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}
