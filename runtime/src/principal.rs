//! Who is calling: the principal model of Sentry's `determine_access`.
//!
//! The service resolves its credentials (session cookie, bearer token, integration signature) into
//! a [`Principal`], and looks up the caller's [`Membership`] in the target organization; the
//! registry turns both into the scopes the caller holds.

use std::fmt;

use crate::scopes::ScopeSet;

/// Identifiers are 128-bit integers, so that the ids services have fit without a lookup table:
/// integer keys (`From<u64>`, `From<u128>`) and UUIDs or any other 16-byte id
/// ([`from_bytes`](UserId::from_bytes), big-endian, as `uuid::Uuid::as_bytes` gives them). A
/// decision compares them as plain integers — allowlists are sorted and binary-searched — which
/// keeps it free of allocation. String ids (slugs, e-mail addresses) are not ids: resolve them to
/// the row's key first, as the decision never sees them.
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u128);

        impl $name {
            /// The id of a 16-byte identifier such as a UUID (big-endian).
            pub const fn from_bytes(bytes: [u8; 16]) -> $name {
                $name(u128::from_be_bytes(bytes))
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> $name {
                $name(u128::from(id))
            }
        }

        impl From<u128> for $name {
            fn from(id: u128) -> $name {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

identifier! {
    /// An organization's identifier in the service's database (see [`UserId`] for the forms).
    OrganizationId
}

identifier! {
    /// A user's identifier in the service's database: an integer key or a UUID.
    ///
    /// ```
    /// use scopegate::UserId;
    /// assert_eq!(UserId::from(7_u64), UserId(7));
    /// let uuid = [0x67, 0xe5, 0x50, 0x44, 0x10, 0xb1, 0x42, 0x6f, 0x92, 0x47, 0xbb, 0x68, 0x0e, 0x5f, 0xe0, 0xc8];
    /// assert_eq!(UserId::from_bytes(uuid).to_string(), "138101147531900207301164854559698313416");
    /// ```
    UserId
}

identifier! {
    /// A team's identifier in the service's database (see [`UserId`] for the forms).
    TeamId
}

/// Who is calling, as resolved by the service from its credentials.
///
/// The scopes a principal holds on an endpoint (its *effective scopes*) are, as in Sentry:
///
/// | principal | effective scopes |
/// | --- | --- |
/// | [`Anonymous`](Principal::Anonymous) | none: endpoints that need credentials answer 401 |
/// | [`User`](Principal::User) with an active superuser session | every scope |
/// | `User` with a [`Session`](UserCredential::Session) | the member's role scopes |
/// | `User` with a [`Token`](UserCredential::Token) | token scopes closed under the hierarchy, ∩ the member's role scopes |
/// | [`OrgToken`](Principal::OrgToken) | its scopes closed under the hierarchy, only inside its own organization |
/// | [`Integration`](Principal::Integration) | its scopes closed under the hierarchy, only inside its own organization |
///
/// A user who is not a member of the target organization holds no scope there (unless an active
/// superuser). Token scopes come from untrusted storage: parse them with
/// [`Registry::scope_set`](crate::Registry::scope_set), which ignores unknown names.
///
/// ```
/// use scopegate::{OrganizationId, Principal, Registry, UserId};
/// let registry = Registry::global();
/// let token = registry.scope_set(["org:read", "no-such-scope"]);
/// let p = Principal::user_token(UserId(7), token);
/// assert_eq!(p.user(), Some(UserId(7)));
/// let ci = Principal::org_token(OrganizationId(1), registry.scope_set(["org:ci"]));
/// assert_eq!(ci.kind(), "org_token");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No credentials.
    Anonymous,
    /// A user via a session (role scopes) or a user auth token (token scopes, with hierarchy, ∩ role).
    User {
        /// The user.
        id: UserId,
        /// How the user authenticated.
        credential: UserCredential,
        /// The request comes with an *active* superuser session (Sentry's `is_active_superuser`):
        /// the service sets this only after its own superuser checks (elevated session, not
        /// expired). A superuser without an active session is a plain user.
        active_superuser: bool,
    },
    /// An organization auth token: its scopes (with hierarchy), only inside its own organization.
    OrgToken {
        /// The organization the token belongs to.
        organization: OrganizationId,
        /// The token's scopes, as stored (the hierarchy is applied by the registry).
        scopes: ScopeSet,
    },
    /// An installed integration: its scopes (with hierarchy), only inside its own organization.
    Integration {
        /// The organization the integration is installed in.
        organization: OrganizationId,
        /// The integration's scopes, as stored.
        scopes: ScopeSet,
    },
}

/// How a [`Principal::User`] authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserCredential {
    /// A logged-in session: the member's role scopes apply.
    Session,
    /// A user auth token: its scopes (with the hierarchy) ∩ the member's role scopes.
    Token {
        /// The token's scopes, as stored.
        scopes: ScopeSet,
    },
}

impl Principal {
    /// A user with a session.
    pub const fn session(id: UserId) -> Principal {
        Principal::User { id, credential: UserCredential::Session, active_superuser: false }
    }

    /// A user with a user auth token holding `scopes`.
    pub const fn user_token(id: UserId, scopes: ScopeSet) -> Principal {
        Principal::User { id, credential: UserCredential::Token { scopes }, active_superuser: false }
    }

    /// A user with an active superuser session.
    pub const fn active_superuser(id: UserId) -> Principal {
        Principal::User { id, credential: UserCredential::Session, active_superuser: true }
    }

    /// An organization auth token of `organization` holding `scopes`.
    pub const fn org_token(organization: OrganizationId, scopes: ScopeSet) -> Principal {
        Principal::OrgToken { organization, scopes }
    }

    /// An integration installed in `organization` holding `scopes`.
    pub const fn integration(organization: OrganizationId, scopes: ScopeSet) -> Principal {
        Principal::Integration { organization, scopes }
    }

    /// `true` for [`Principal::Anonymous`].
    pub const fn is_anonymous(&self) -> bool {
        matches!(self, Principal::Anonymous)
    }

    /// The user, for [`Principal::User`].
    pub const fn user(&self) -> Option<UserId> {
        match self {
            Principal::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// A short name of the kind of principal, used in tracing events: `anonymous`, `session`,
    /// `user_token`, `superuser`, `org_token` or `integration`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Principal::Anonymous => "anonymous",
            Principal::User { active_superuser: true, .. } => "superuser",
            Principal::User { credential: UserCredential::Session, .. } => "session",
            Principal::User { credential: UserCredential::Token { .. }, .. } => "user_token",
            Principal::OrgToken { .. } => "org_token",
            Principal::Integration { .. } => "integration",
        }
    }
}

/// The calling user's membership in the target organization (pass `None` for a non-member).
///
/// `role_scopes` are the scopes of the member's role, as the service's role table lists them (Sentry
/// lists every role's scopes in full; the hierarchy is not applied to them). `teams` may be in any
/// order.
///
/// ```
/// use scopegate::{Membership, OrganizationId, Registry, TeamId};
/// let registry = Registry::global();
/// let teams = [TeamId(3)];
/// let member = Membership {
///     organization: OrganizationId(1),
///     role_scopes: registry.scope_set(["org:read", "event:read"]),
///     teams: &teams,
/// };
/// assert_eq!(member.teams, &[TeamId(3)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership<'a> {
    /// The organization this membership is in; a membership of another organization than the
    /// request's target is ignored.
    pub organization: OrganizationId,
    /// The scopes of the member's role.
    pub role_scopes: ScopeSet,
    /// The teams the member belongs to.
    pub teams: &'a [TeamId],
}

impl<'a> Membership<'a> {
    /// The caller's standing in a single-tenant service (a configuration with
    /// `[tenancy] organizations = false`): the scopes of their role and their teams, with no
    /// organization (the `organization` field holds [`OrganizationId::SERVICE`], which the engine
    /// never compares in that mode).
    ///
    /// ```
    /// use scopegate::{Membership, Registry};
    /// let standing = Membership::single_tenant(Registry::global().scope_set(["org:read"]), &[]);
    /// assert!(standing.teams.is_empty());
    /// ```
    pub const fn single_tenant(role_scopes: ScopeSet, teams: &'a [TeamId]) -> Membership<'a> {
        Membership { organization: OrganizationId::SERVICE, role_scopes, teams }
    }
}

impl OrganizationId {
    /// The one "organization" of a single-tenant service: what [`Membership::single_tenant`] and
    /// [`OrganizationState::single_tenant`](crate::OrganizationState::single_tenant) put where an
    /// organization id goes. A configuration without organizations never compares it.
    pub const SERVICE: OrganizationId = OrganizationId(0);
}
