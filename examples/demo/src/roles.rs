//! Organization roles and the scopes they grant, following Sentry's default roles.
//!
//! ```
//! use scopegate_demo::{model::Role, roles};
//! assert!(roles::scopes(Role::Member).contains(&"org:read"));
//! assert!(!roles::scopes(Role::Member).contains(&"org:write"));
//! assert!(roles::scopes(Role::Owner).contains(&"org:admin"));
//! ```

use crate::model::Role;

const MEMBER: &[&str] = &[
    "event:read",
    "event:write",
    "event:admin",
    "project:releases",
    "project:read",
    "org:read",
    "member:read",
    "team:read",
    "alerts:read",
    "alerts:write",
];

const ADMIN: &[&str] = &[
    "event:read",
    "event:write",
    "event:admin",
    "org:read",
    "org:integrations",
    "member:read",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "team:read",
    "team:write",
    "team:admin",
    "alerts:read",
    "alerts:write",
];

const MANAGER: &[&str] = &[
    "event:read",
    "event:write",
    "event:admin",
    "member:read",
    "member:write",
    "member:admin",
    "member:invite",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "team:read",
    "team:write",
    "team:admin",
    "org:read",
    "org:integrations",
    "alerts:read",
    "alerts:write",
];

const OWNER: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "org:integrations",
    "member:read",
    "member:write",
    "member:admin",
    "member:invite",
    "team:read",
    "team:write",
    "team:admin",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "event:read",
    "event:write",
    "event:admin",
    "alerts:read",
    "alerts:write",
];

/// The scopes a member with `role` holds (Sentry's role definitions).
pub const fn scopes(role: Role) -> &'static [&'static str] {
    match role {
        Role::Member => MEMBER,
        Role::Admin => ADMIN,
        Role::Manager => MANAGER,
        Role::Owner => OWNER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_scope_is_in_the_vocabulary_and_roles_only_grow() {
        let vocab = scopegate::Config::sentry().vocabulary();
        for role in Role::ALL {
            for scope in scopes(role) {
                assert!(vocab.contains(scope), "{role}: {scope}");
            }
        }
        for pair in Role::ALL.windows(2) {
            for scope in scopes(pair[0]) {
                assert!(scopes(pair[1]).contains(scope), "{} lacks {scope} of {}", pair[1], pair[0]);
            }
        }
    }
}
