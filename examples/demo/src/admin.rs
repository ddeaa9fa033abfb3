//! Administrative operations behind the CLI: creating credentials and toggling feature flags.
//!
//! ```
//! use scopegate_demo::{admin, store::SqliteStore};
//! let store = SqliteStore::open_in_memory().unwrap();
//! let registry = scopegate::Registry::global();
//! let secret = admin::create_user_token(&store, registry, "acme", "member", "org:read,event:read").unwrap();
//! assert!(secret.as_str().starts_with("sgu_"));
//! assert!(admin::create_user_token(&store, registry, "globex", "member", "org:read").is_err());
//! ```

use std::fmt;

use scopegate::Registry;

use crate::model::{IdOrSlug, NewOrgAuthToken, NewUserToken, Organization, User};
use crate::store::{DataStore, ServiceStore, StoreError};
use crate::token::{self, Secret, TokenKind};

/// Why an administrative operation failed.
#[derive(Debug)]
pub enum AdminError {
    /// An organization or user that does not exist.
    NotFound(String),
    /// Arguments that cannot be used (unknown scope, non-member, …).
    Invalid(String),
    /// The store failed.
    Store(StoreError),
    /// The operating system gave no randomness for a secret.
    Random(getrandom::Error),
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::NotFound(msg) | AdminError::Invalid(msg) => f.write_str(msg),
            AdminError::Store(e) => e.fmt(f),
            AdminError::Random(e) => write!(f, "no randomness for a secret: {e}"),
        }
    }
}

impl std::error::Error for AdminError {}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(msg) => AdminError::Invalid(msg),
            other => AdminError::Store(other),
        }
    }
}

impl From<getrandom::Error> for AdminError {
    fn from(e: getrandom::Error) -> Self {
        AdminError::Random(e)
    }
}

/// Parses a comma-separated scope list, refusing unknown names (with the vocabulary in the
/// message), duplicates and an empty list.
///
/// ```
/// let registry = scopegate::Registry::global();
/// let scopes = scopegate_demo::admin::parse_scopes(registry, "org:read, event:read").unwrap();
/// assert_eq!(scopes, ["org:read", "event:read"]);
/// assert!(scopegate_demo::admin::parse_scopes(registry, "org:raed").is_err());
/// ```
///
/// # Errors
/// [`AdminError::Invalid`] for an unknown or repeated scope, or no scope at all.
pub fn parse_scopes(registry: &Registry, list: &str) -> Result<Vec<String>, AdminError> {
    let vocabulary = registry.config().vocabulary();
    let mut scopes: Vec<String> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !vocabulary.contains(name) {
            return Err(AdminError::Invalid(format!(
                "unknown scope {name:?}; known scopes: {}",
                vocabulary.scopes().join(", ")
            )));
        }
        if scopes.iter().any(|s| s == name) {
            return Err(AdminError::Invalid(format!("scope {name:?} is listed twice")));
        }
        scopes.push(name.to_owned());
    }
    if scopes.is_empty() {
        return Err(AdminError::Invalid("give at least one scope, e.g. --scopes org:read".into()));
    }
    Ok(scopes)
}

fn organization(store: &dyn DataStore, org: &str) -> Result<Organization, AdminError> {
    store
        .organization(&IdOrSlug::parse(org))?
        .ok_or_else(|| AdminError::NotFound(format!("no organization {org:?}")))
}

fn user(store: &dyn DataStore, username: &str) -> Result<User, AdminError> {
    store.user(username)?.ok_or_else(|| AdminError::NotFound(format!("no user {username:?}")))
}

/// Creates a user auth token for `username`, valid in organization `org` (of which the user must be
/// a member), holding `scopes` (comma-separated). Returns the secret, which is not stored.
///
/// # Errors
/// Unknown organization or user, a user who is not a member, bad scopes, or a store failure.
pub fn create_user_token(
    store: &dyn ServiceStore,
    registry: &Registry,
    org: &str,
    username: &str,
    scopes: &str,
) -> Result<Secret, AdminError> {
    let scopes = parse_scopes(registry, scopes)?;
    let store = store.data();
    let org = organization(store, org)?;
    let user = user(store, username)?;
    if store.member_of(org.id, user.id)?.is_none() {
        return Err(AdminError::Invalid(format!("{} is not a member of {}", user.username, org.slug)));
    }
    let secret = Secret::generate(TokenKind::User)?;
    let new = NewUserToken {
        user_id: user.id,
        name: format!("{} in {} (CLI)", user.username, org.slug),
        scopes,
        hash: secret.hash(),
        last_characters: secret.last_characters(),
    };
    store.create_user_token(org.id, &new)?;
    Ok(secret)
}

/// Creates an organization auth token of `org` holding `scopes` (comma-separated). Unlike tokens
/// created through the API (always `org:ci`), the CLI may grant any scope, e.g. `event:read` to
/// show that such a token bypasses the replay allowlists.
///
/// # Errors
/// Unknown organization, bad scopes, or a store failure.
pub fn create_org_token(
    store: &dyn ServiceStore,
    registry: &Registry,
    org: &str,
    scopes: &str,
) -> Result<Secret, AdminError> {
    let scopes = parse_scopes(registry, scopes)?;
    let store = store.data();
    let org = organization(store, org)?;
    let secret = Secret::generate(TokenKind::Org)?;
    let new = NewOrgAuthToken {
        name: "CLI token".into(),
        scopes,
        created_by: None,
        hash: secret.hash(),
        last_characters: secret.last_characters(),
    };
    store.create_org_auth_token(org.id, &new)?;
    Ok(secret)
}

/// Opens a session for `username`; `superuser` opens an active superuser session, which only
/// superusers may.
///
/// # Errors
/// Unknown user, `superuser` for a user who is not one, or a store failure.
pub fn create_session(
    store: &dyn ServiceStore,
    username: &str,
    superuser: bool,
) -> Result<Secret, AdminError> {
    let store = store.data();
    let user = user(store, username)?;
    if superuser && !user.is_superuser {
        return Err(AdminError::Invalid(format!("{} is not a superuser", user.username)));
    }
    let secret = Secret::generate(TokenKind::Session)?;
    store.create_session(user.id, superuser, &secret.hash())?;
    Ok(secret)
}

/// Which credentials [`revoke`] revokes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoke<'a> {
    /// The one whose secret this is.
    Secret(&'a str),
    /// Every one of this user (username).
    User(&'a str),
}

/// Revokes sessions (`kind` [`TokenKind::Session`]) or user tokens ([`TokenKind::User`]): one by
/// its secret, or all of a user's. Durable: when this returns, the revocation survives a crash or
/// power loss. Returns how many were revoked.
///
/// ```
/// use scopegate_demo::admin::{self, Revoke};
/// use scopegate_demo::store::SqliteStore;
/// use scopegate_demo::token::TokenKind;
/// let store = SqliteStore::open_in_memory().unwrap();
/// let session = admin::create_session(&store, "member", false).unwrap();
/// assert_eq!(admin::revoke(&store, TokenKind::Session, Revoke::Secret(session.as_str())).unwrap(), 1);
/// assert!(admin::revoke(&store, TokenKind::Session, Revoke::Secret(session.as_str())).is_err(), "gone");
/// assert_eq!(admin::revoke(&store, TokenKind::User, Revoke::User("member")).unwrap(), 0);
/// ```
///
/// # Errors
/// A secret of another kind or that is not (or no longer) stored, an unknown user, organization
/// tokens (deleted through the API), or a store failure.
pub fn revoke(store: &dyn ServiceStore, kind: TokenKind, which: Revoke<'_>) -> Result<u64, AdminError> {
    let what = match kind {
        TokenKind::Session => "session",
        TokenKind::User => "user token",
        TokenKind::Org => {
            return Err(AdminError::Invalid(
                "organization tokens are deleted through the API, not revoked".into(),
            ));
        }
    };
    let store = store.data();
    match which {
        Revoke::Secret(secret) => {
            let secret = secret.trim();
            if TokenKind::of(secret) != Some(kind) {
                return Err(AdminError::Invalid(format!("not a {what} (they start with {})", kind.prefix())));
            }
            if store.revoke_credential(kind, &token::hash(secret))? {
                Ok(1)
            } else {
                Err(AdminError::NotFound(format!(
                    "no such {what}: it was never issued or is already revoked"
                )))
            }
        }
        Revoke::User(username) => Ok(store.revoke_user_credentials(kind, user(store, username)?.id)?),
    }
}

/// Turns feature flag `name` on or off for `org`. Returns whether anything changed.
///
/// # Errors
/// Unknown organization, a malformed flag name, or a store failure.
pub fn set_feature(
    store: &dyn ServiceStore,
    org: &str,
    name: &str,
    enabled: bool,
) -> Result<bool, AdminError> {
    let valid = (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_:.".contains(&b));
    if !valid {
        return Err(AdminError::Invalid(format!(
            "feature names are 1 to 100 of a-z 0-9 - _ : . (e.g. organizations:session-replay), not {name:?}"
        )));
    }
    let org = organization(store.data(), org)?;
    Ok(store.set_feature(org.id, name, enabled)?)
}
