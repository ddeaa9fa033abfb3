//! Gated areas: which paths a feature-area gate covers.

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
