//! The scope hierarchy: `X:write ⊇ X:read` and the like, closed transitively.

/// Each scope's implied scopes, transitively closed and in vocabulary order, excluding the scope
/// itself; scopes that imply nothing are left out. `direct` lists what each scope implies directly
/// (names outside `scopes` are carried along but never ordered in).
///
/// ```
/// use scopegate_core::hierarchy::close;
/// let scopes = ["doc:read", "doc:write", "doc:admin"];
/// let direct: [(&str, &[&str]); 2] = [("doc:admin", &["doc:write"]), ("doc:write", &["doc:read"])];
/// assert_eq!(
///     close(&scopes, &direct),
///     [("doc:write", vec!["doc:read"]), ("doc:admin", vec!["doc:read", "doc:write"])]
/// );
/// ```
pub fn close<'a>(scopes: &[&'a str], direct: &[(&str, &[&'a str])]) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut out = Vec::new();
    for &scope in scopes {
        let mut reached: Vec<&'a str> = Vec::new();
        let mut stack: Vec<&'a str> = vec![scope];
        while let Some(s) = stack.pop() {
            for (from, to) in direct {
                if *from == s {
                    for &t in *to {
                        if t != scope && !reached.contains(&t) {
                            reached.push(t);
                            stack.push(t);
                        }
                    }
                }
            }
        }
        if !reached.is_empty() {
            out.push((scope, scopes.iter().copied().filter(|s| reached.contains(s)).collect()));
        }
    }
    out
}
