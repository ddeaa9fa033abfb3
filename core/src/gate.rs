//! Gated areas: which paths a feature-area gate covers, and rule R5 over them.

/// `true` when `path` lies in one of `areas`: one of its `/`-separated segments is an area name
/// (the built-in `replay` gate covers every path with a `replays` segment).
///
/// ```
/// use scopegate_core::gate::covers;
/// assert!(covers(&["replays"], "/organizations/{org}/replays/{id}/"));
/// assert!(!covers(&["replays"], "/organizations/{org}/replay-settings/"));
/// ```
pub fn covers<S: AsRef<str>>(areas: &[S], path: &str) -> bool {
    crate::template::Parts::of(path).any(|segment| areas.iter().any(|area| area.as_ref() == segment))
}

/// **R5**'s test: an endpoint whose path lies in a gate's area (`covered`, see [`covers`]) must
/// carry that gate (`declared`) or say why not (`exempt`). `true` when it does neither: requests
/// would skip the gate's feature check.
///
/// ```
/// use scopegate_core::gate::is_ungated;
/// assert!(is_ungated(true, "replay", None, false));
/// assert!(!is_ungated(true, "replay", Some("replay"), false));
/// assert!(!is_ungated(true, "replay", None, true));
/// assert!(!is_ungated(false, "replay", None, false));
/// ```
pub fn is_ungated(covered: bool, gate: &str, declared: Option<&str>, exempt: bool) -> bool {
    covered && !exempt && declared != Some(gate)
}
