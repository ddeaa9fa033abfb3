//! The names of the attributes' keys, written once (as serde_derive's `symbol.rs`).

pub(crate) const METHOD: &str = "method";
pub(crate) const PATH: &str = "path";
pub(crate) const SCOPES: &str = "scopes";
pub(crate) const PERMISSION: &str = "permission";
pub(crate) const UNAUTHENTICATED: &str = "unauthenticated";
pub(crate) const AUTHENTICATED: &str = "authenticated";
pub(crate) const SUPERUSER: &str = "superuser";
pub(crate) const READONLY_EXCEPTION: &str = "readonly_exception";
pub(crate) const OWNER: &str = "owner";
pub(crate) const PUBLISH: &str = "publish";
pub(crate) const GATE: &str = "gate";
pub(crate) const GATE_EXEMPT: &str = "gate_exempt";

/// `#[permission(readonly_exceptions(POST = "…"))]`
pub(crate) const READONLY_EXCEPTIONS: &str = "readonly_exceptions";

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
];

/// The access forms: an endpoint declares exactly one.
pub(crate) const ACCESS_FORMS: &[&str] = &[SCOPES, PERMISSION, UNAUTHENTICATED, AUTHENTICATED, SUPERUSER];

/// How messages name the access forms.
pub(crate) const ACCESS_FORMS_TEXT: &str =
    "`scopes`, `permission`, `unauthenticated`, `authenticated` and `superuser`";

/// The values of `publish = …`, from the least to the most published.
pub(crate) const PUBLISH_LEVELS: [&str; 4] = ["private", "experimental", "public_experimental", "public"];
