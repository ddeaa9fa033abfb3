//! The access forms and publish levels: what an endpoint declares about who may call it and how
//! widely it is documented, one model each for the macros, the records, the engine, the dumps
//! and the audit.

use core::fmt;

/// How an endpoint decides who may call it: an endpoint declares exactly one form.
///
/// ```
/// use scopegate_core::AccessForm;
/// assert_eq!(AccessForm::parse("superuser"), Some(AccessForm::Superuser));
/// assert!(AccessForm::Permission.grants_by_scope());
/// assert!(!AccessForm::Unauthenticated.needs_credentials());
/// ```
///
/// Exhaustive on purpose: the engine and the rules match every form, so a new one cannot be
/// added without deciding, in each place, what it means (the data-carrying `scopegate::Access` of
/// a record is `#[non_exhaustive]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessForm {
    /// `scopes = [...]`: the scopes written on the endpoint.
    Scopes,
    /// `permission = Class`: a permission class's scopes for the endpoint's method.
    Permission,
    /// `unauthenticated = "why"`: no credentials needed.
    Unauthenticated,
    /// `authenticated = "why"`: any signed-in caller, no scope.
    Authenticated,
    /// `superuser = "why"`: active superusers only.
    Superuser,
}

impl AccessForm {
    /// Every form, in the order the attribute's documentation lists them.
    pub const ALL: [AccessForm; 5] = [
        AccessForm::Scopes,
        AccessForm::Permission,
        AccessForm::Unauthenticated,
        AccessForm::Authenticated,
        AccessForm::Superuser,
    ];

    /// The keys of [`ALL`](Self::ALL), as written in `#[endpoint(…)]`.
    pub const KEYWORDS: [&'static str; 5] =
        ["scopes", "permission", "unauthenticated", "authenticated", "superuser"];

    /// The form's key in `#[endpoint(…)]`, e.g. `unauthenticated`.
    pub const fn keyword(self) -> &'static str {
        AccessForm::KEYWORDS[self as usize]
    }

    /// The Rust name of the variant (`Unauthenticated`), for generated code: the data-carrying
    /// `scopegate::Access` has one variant per form, of the same name.
    pub const fn variant(self) -> &'static str {
        ["Scopes", "Permission", "Unauthenticated", "Authenticated", "Superuser"][self as usize]
    }

    /// The form written as `key`, if `key` names one.
    pub fn parse(key: &str) -> Option<AccessForm> {
        AccessForm::KEYWORDS.iter().position(|k| *k == key).map(|i| AccessForm::ALL[i])
    }

    /// `true` for the forms that grant access by scope (`scopes`, `permission`).
    pub const fn grants_by_scope(self) -> bool {
        matches!(self, AccessForm::Scopes | AccessForm::Permission)
    }

    /// `true` for every form but `unauthenticated`.
    pub const fn needs_credentials(self) -> bool {
        !matches!(self, AccessForm::Unauthenticated)
    }

    /// How much the form asks of a caller: 0 nothing (`unauthenticated`), 1 any signed-in caller
    /// (`authenticated`), 2 a scope (`scopes`, `permission`), 3 an active superuser. The audit
    /// classifies a change of form as stricter or looser by it.
    pub const fn strictness(self) -> u8 {
        match self {
            AccessForm::Unauthenticated => 0,
            AccessForm::Authenticated => 1,
            AccessForm::Scopes | AccessForm::Permission => 2,
            AccessForm::Superuser => 3,
        }
    }
}

impl fmt::Display for AccessForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// How widely an endpoint is published, like Sentry's `publish_status`, from the least to the
/// most published.
///
/// ```
/// use scopegate_core::Publish;
/// assert_eq!(Publish::parse("public_experimental"), Some(Publish::PublicExperimental));
/// assert!(Publish::Public.is_published() && !Publish::Experimental.is_published());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Publish {
    /// Internal: not documented (the default).
    #[default]
    Private,
    /// Experimental: may change without notice, not documented.
    Experimental,
    /// Documented as experimental.
    PublicExperimental,
    /// Documented public API; requires an `owner`.
    Public,
}

impl Publish {
    /// Every level, from the least to the most published.
    pub const ALL: [Publish; 4] =
        [Publish::Private, Publish::Experimental, Publish::PublicExperimental, Publish::Public];

    /// The keywords of [`ALL`](Self::ALL), as in `#[endpoint(publish = …)]` and in dumps.
    pub const NAMES: [&'static str; 4] = ["private", "experimental", "public_experimental", "public"];

    /// The keyword used in the attribute and in dumps (`private`, `experimental`, …).
    pub const fn as_str(self) -> &'static str {
        Publish::NAMES[self as usize]
    }

    /// The level written as `name`, if `name` is one.
    pub fn parse(name: &str) -> Option<Publish> {
        Publish::NAMES.iter().position(|n| *n == name).map(|i| Publish::ALL[i])
    }

    /// The Rust name of the variant (`PublicExperimental`), for generated code.
    pub const fn variant(self) -> &'static str {
        ["Private", "Experimental", "PublicExperimental", "Public"][self as usize]
    }

    /// `true` for the levels that appear in published documentation (OpenAPI).
    pub const fn is_published(self) -> bool {
        matches!(self, Publish::Public | Publish::PublicExperimental)
    }

    /// `true` for the level that needs an `owner` (rule R4).
    pub const fn needs_owner(self) -> bool {
        matches!(self, Publish::Public)
    }
}

impl fmt::Display for Publish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a requirement's scopes are matched: `scopes = [...]` accepts **any** one of them,
/// `scopes = all(...)` needs **all** of them (the hierarchy applies to the caller's scopes in both).
///
/// ```
/// use scopegate_core::ScopeMatch;
/// assert_eq!(ScopeMatch::All.as_str(), "all");
/// // Any-of: one read-only scope lets a read-only token in.
/// assert!(ScopeMatch::Any.readonly_suffices(1, 3));
/// // All-of: only when every required scope is read-only.
/// assert!(!ScopeMatch::All.readonly_suffices(1, 2));
/// assert!(ScopeMatch::All.readonly_suffices(2, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeMatch {
    /// Any one of the scopes grants access (`scopes = ["a", "b"]`).
    #[default]
    Any,
    /// Every scope is needed (`scopes = all("a", "b")`).
    All,
}

impl ScopeMatch {
    /// The keyword written before an all-of list: `scopes = all("a", "b")`.
    pub const ALL_KEYWORD: &'static str = "all";

    /// `"any"` or `"all"`, as the dumps write it (JSON `scope_match`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ScopeMatch::Any => "any",
            ScopeMatch::All => "all",
        }
    }

    /// Can credentials holding only read-only scopes meet a requirement of `total` scopes of which
    /// `readonly` are read-only? Any-of: when one is; all-of: when every one is (one read-only
    /// scope beside a write scope in `all(...)` lets no read-only token in). With
    /// [`rules::is_policy_debt`](crate::rules::is_policy_debt), the definition of policy debt.
    pub const fn readonly_suffices(self, readonly: usize, total: usize) -> bool {
        match self {
            ScopeMatch::Any => readonly > 0,
            ScopeMatch::All => total > 0 && readonly == total,
        }
    }
}

impl fmt::Display for ScopeMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for form in AccessForm::ALL {
            assert_eq!(AccessForm::parse(form.keyword()), Some(form));
        }
        for level in Publish::ALL {
            assert_eq!(Publish::parse(level.as_str()), Some(level));
        }
        assert_eq!(AccessForm::parse("scope"), None);
        assert_eq!(Publish::parse("Public"), None);
    }
}
