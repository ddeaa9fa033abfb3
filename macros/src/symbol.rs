//! The names of the attributes' keys, written once (as serde_derive's `symbol.rs`).

use scopegate_core::AccessForm;

pub(crate) const METHOD: &str = "method";
pub(crate) const PATH: &str = "path";
// The access forms' keys are `scopegate_core::AccessForm`'s keywords.
pub(crate) const SCOPES: &str = AccessForm::Scopes.keyword();
pub(crate) const PERMISSION: &str = AccessForm::Permission.keyword();
pub(crate) const UNAUTHENTICATED: &str = AccessForm::Unauthenticated.keyword();
pub(crate) const AUTHENTICATED: &str = AccessForm::Authenticated.keyword();
pub(crate) const SUPERUSER: &str = AccessForm::Superuser.keyword();
pub(crate) const READONLY_EXCEPTION: &str = "readonly_exception";
pub(crate) const OWNER: &str = "owner";
pub(crate) const PUBLISH: &str = "publish";
pub(crate) const GATE: &str = "gate";
pub(crate) const GATE_EXEMPT: &str = "gate_exempt";
pub(crate) const PLANNED_SCOPES: &str = "planned_scopes";
pub(crate) const SUNSET: &str = "sunset";

/// `#[permission(readonly_exceptions(POST = "…"))]`
pub(crate) const READONLY_EXCEPTIONS: &str = "readonly_exceptions";
/// `#[permission(sunsets(POST = "2027-01-31"))]` (`planned_scopes(POST = [...])` shares the
/// endpoint's key).
pub(crate) const SUNSETS: &str = "sunsets";

/// The keys `#[endpoint]` accepts.
pub(crate) const ENDPOINT_KEYS: &[&str] = &[
    METHOD,
    PATH,
    SCOPES,
    PERMISSION,
    UNAUTHENTICATED,
    AUTHENTICATED,
    SUPERUSER,
    READONLY_EXCEPTION,
    OWNER,
    PUBLISH,
    GATE,
    GATE_EXEMPT,
    PLANNED_SCOPES,
    SUNSET,
];

/// How messages name the access forms (every one of [`AccessForm::KEYWORDS`]).
pub(crate) const ACCESS_FORMS_TEXT: &str =
    "`scopes`, `permission`, `unauthenticated`, `authenticated` and `superuser`";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_every_access_form() {
        for keyword in AccessForm::KEYWORDS {
            assert!(ACCESS_FORMS_TEXT.contains(&format!("`{keyword}`")), "{keyword}");
        }
        assert_eq!(ACCESS_FORMS_TEXT.matches('`').count(), 2 * AccessForm::KEYWORDS.len());
    }
}
