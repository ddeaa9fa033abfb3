//! How a declaration reads in OpenAPI, written once for the macros (which complete
//! `#[utoipa::path]` and check what a user wrote there) and the runtime (its own OpenAPI dump, the
//! utoipa integration and its spec check).

use crate::{AccessForm, ScopeMatch};

/// The name of the security scheme operations refer to unless the service names its own.
pub const SECURITY_SCHEME: &str = "auth_token";

/// How to read an operation's `security`, for the security scheme's description.
pub const SCHEME_DESCRIPTION: &str = "Each security requirement of an operation lists scopes the token \
     needs together, and any one of the operation's requirements grants access: an operation that \
     accepts any one of several scopes lists one requirement per scope, one that needs all of them \
     lists one requirement with every scope.";

/// An operation's `security`, meaning what is enforced: a list of alternatives (OpenAPI ORs the
/// requirement objects), each the scopes needed together (it ANDs the scopes of one object).
///
/// - any one of several scopes (`scopes = [...]`): one requirement per scope;
/// - all of them (`scopes = all(...)`): one requirement holding every scope;
/// - a signed-in caller without a scope (`authenticated`, `superuser`): one requirement with no
///   scope;
/// - no credentials (`unauthenticated`): no requirement at all (`security: []`).
///
/// `scopes` is the requirement of a scope list or of a permission class's entry for the method
/// (ignored for the other forms).
///
/// ```
/// use scopegate_core::{AccessForm, ScopeMatch, openapi::security};
/// let any = security(AccessForm::Scopes, &["org:read", "org:write"], ScopeMatch::Any);
/// assert_eq!(any, [vec!["org:read"], vec!["org:write"]]);
/// let all = security(AccessForm::Permission, &["a", "b"], ScopeMatch::All);
/// assert_eq!(all, [vec!["a", "b"]]);
/// assert_eq!(security(AccessForm::Authenticated, &[], ScopeMatch::Any), [Vec::<&str>::new()]);
/// assert!(security(AccessForm::Unauthenticated, &[], ScopeMatch::Any).is_empty());
/// ```
pub fn security<'a>(form: AccessForm, scopes: &[&'a str], scope_match: ScopeMatch) -> Vec<Vec<&'a str>> {
    match form {
        AccessForm::Unauthenticated => Vec::new(),
        AccessForm::Authenticated | AccessForm::Superuser => vec![Vec::new()],
        AccessForm::Scopes | AccessForm::Permission if scopes.is_empty() => vec![Vec::new()],
        AccessForm::Scopes | AccessForm::Permission => match scope_match {
            ScopeMatch::Any => scopes.iter().map(|s| vec![*s]).collect(),
            ScopeMatch::All => vec![scopes.to_vec()],
        },
    }
}

/// Two `security` lists mean the same: the same alternatives, each the same set of scopes, in any
/// order.
///
/// ```
/// use scopegate_core::openapi::same_security;
/// assert!(same_security(&[vec!["b"], vec!["a"]], &[vec!["a"], vec!["b"]]));
/// assert!(same_security(&[vec!["a", "b"]], &[vec!["b", "a"]]));
/// assert!(!same_security(&[vec!["a", "b"]], &[vec!["a"], vec!["b"]]));
/// assert!(!same_security::<&str, &str>(&[], &[vec![]]));
/// ```
pub fn same_security<S: AsRef<str>, T: AsRef<str>>(a: &[Vec<S>], b: &[Vec<T>]) -> bool {
    fn normal<S: AsRef<str>>(list: &[Vec<S>]) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = list
            .iter()
            .map(|r| {
                let mut r: Vec<&str> = r.iter().map(AsRef::as_ref).collect();
                r.sort_unstable();
                r.dedup();
                r
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
    normal(a) == normal(b)
}

/// The path as an OpenAPI path template: `{*rest}` → `{rest}` (OpenAPI has no catch-all marker).
///
/// ```
/// assert_eq!(scopegate_core::openapi::path("/files/{*rest}"), "/files/{rest}");
/// assert_eq!(scopegate_core::openapi::path("/a/{b}/"), "/a/{b}/");
/// ```
pub fn path(template: &str) -> String {
    template.replace("{*", "{")
}
