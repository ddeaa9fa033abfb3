//! Organization details and settings, including granular replay access.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Payload, name_field};
use crate::AppState;
use crate::model::{Organization, OrganizationSettings, OrganizationUpdate};
use crate::permissions::OrganizationPermission;
use crate::resolve::Caller;

fn details(org: &Organization, settings: &OrganizationSettings, caller: &Caller) -> Value {
    json!({
        "id": org.id.to_string(),
        "slug": org.slug,
        "name": org.name,
        "dateCreated": org.date_created,
        "openMembership": org.open_membership,
        "features": settings.features,
        "hasGranularReplayPermissions": settings.granular_replay,
        "replayAccessMembers": settings.replay_access_members,
        "replayAccessTeams": settings.replay_access_teams,
        "access": caller.scope_names(),
    })
}

/// `GET /api/0/organizations/{organization_id_or_slug}/`: details, feature flags, replay access
/// settings, and the caller's effective scopes (`access`).
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn organization_details(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let org = caller.org()?.clone();
    let org_id = org.id;
    let settings = state.data(move |s| s.organization_settings(org_id)).await?;
    Ok(Json(details(&org, &settings, &caller)))
}

/// The body of `PUT /api/0/organizations/{organization_id_or_slug}/` (every field optional).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationInput {
    name: Option<String>,
    slug: Option<String>,
    open_membership: Option<bool>,
    has_granular_replay_permissions: Option<bool>,
    replay_access_members: Option<Vec<i64>>,
    replay_access_teams: Option<Vec<i64>>,
}

/// A slug: 1–50 of `a-z 0-9 -`, not all digits (digits name ids), not starting with `-`.
pub(crate) fn valid_slug(slug: &str) -> bool {
    (1..=50).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.bytes().all(|b| b.is_ascii_digit())
        && !slug.starts_with('-')
}

/// `PUT /api/0/organizations/{organization_id_or_slug}/`: rename, change the slug, open
/// membership, and granular replay access (`hasGranularReplayPermissions`, `replayAccessMembers`
/// as user ids, and, beyond Sentry, `replayAccessTeams` as team ids). One transaction.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn update_organization(
    State(state): State<AppState>,
    caller: Caller,
    Payload(input): Payload<OrganizationInput>,
) -> Result<Json<Value>, ApiError> {
    let org_id = caller.org()?.id;
    let name = input.name.as_deref().map(|n| name_field("name", n, 64)).transpose()?;
    if let Some(slug) = &input.slug
        && !valid_slug(slug)
    {
        return Err(ApiError::invalid(
            "slug must be 1 to 50 of a-z, 0-9 and '-', not all digits, not starting with '-'",
        ));
    }
    let update = OrganizationUpdate {
        name,
        slug: input.slug,
        open_membership: input.open_membership,
        granular_replay: input.has_granular_replay_permissions,
        replay_access_members: input.replay_access_members,
        replay_access_teams: input.replay_access_teams,
    };
    let (org, settings) = state
        .store(move |s| {
            let org = s.update_organization(org_id, &update)?;
            Ok((org, s.data().organization_settings(org_id)?))
        })
        .await?;
    Ok(Json(details(&org, &settings, &caller)))
}

#[cfg(test)]
mod tests {
    use super::valid_slug;

    #[test]
    fn slugs() {
        for ok in ["acme", "acme-2", "a", "2acme"] {
            assert!(valid_slug(ok), "{ok}");
        }
        for bad in ["", "123", "Acme", "-acme", "ac me", "ac/me", &"a".repeat(51)] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }
}
