//! Saved searches: personal ones for everyone, organization-wide ones with `org:write`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{ApiError, Payload, name_field, path_id, printable_field};
use crate::AppState;
use crate::model::{NewSavedSearch, SavedSearch, Visibility};
use crate::permissions::OrganizationSearchPermission;
use crate::resolve::Caller;

/// `GET /api/0/organizations/{organization_id_or_slug}/searches/`: the organization's searches and
/// the caller's personal ones.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = OrganizationSearchPermission,
    owner = "issues",
    publish = public,
)]
pub async fn list_searches(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SavedSearch>>, ApiError> {
    let org_id = caller.org()?.id;
    let viewer = caller.user_id();
    Ok(Json(state.data(move |s| s.saved_searches(org_id, viewer)).await?))
}

/// The body of `POST …/searches/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    name: String,
    query: String,
    /// `owner` (personal, the default) or `organization`.
    visibility: Option<Visibility>,
}

/// `POST /api/0/organizations/{organization_id_or_slug}/searches/`: save a personal search, or an
/// organization-wide one with `org:write`.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = OrganizationSearchPermission,
    owner = "issues",
    publish = experimental,
)]
pub async fn create_search(
    State(state): State<AppState>,
    caller: Caller,
    Payload(input): Payload<SearchInput>,
) -> Result<(StatusCode, Json<SavedSearch>), ApiError> {
    let org_id = caller.org()?.id;
    let visibility = input.visibility.unwrap_or(Visibility::Owner);
    if visibility == Visibility::Organization && !caller.has_any_scope(&["org:write", "org:admin"]) {
        return Err(ApiError::forbidden(
            "organization_search_restricted",
            "Saving a search for the whole organization needs org:write; save it with visibility \"owner\".",
        ));
    }
    if visibility == Visibility::Owner && caller.user_id().is_none() {
        return Err(ApiError::invalid(
            "a personal search needs a user; organization tokens save organization searches",
        ));
    }
    let query = input.query.trim();
    if query.chars().count() > 1000 {
        return Err(ApiError::invalid("query must be at most 1000 characters"));
    }
    printable_field("query", query)?;
    let new = NewSavedSearch {
        name: name_field("name", &input.name, 128)?,
        query: query.to_owned(),
        visibility,
        owner_id: caller.user_id(),
    };
    let search = state.data(move |s| s.create_saved_search(org_id, &new)).await?;
    Ok((StatusCode::CREATED, Json(search)))
}

/// `DELETE /api/0/organizations/{organization_id_or_slug}/searches/{search_id}/`: delete your
/// personal search, or any search with `org:write`. Someone else's personal search is 404.
#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/searches/{search_id}/",
    permission = OrganizationSearchPermission,
    owner = "issues",
    publish = experimental,
)]
pub async fn delete_search(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, search_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org_id = caller.org()?.id;
    let id = path_id(&search_id, "saved search")?;
    let search = state
        .data(move |s| s.saved_search(org_id, id))
        .await?
        .ok_or_else(|| ApiError::not_found("saved search"))?;
    let own = caller.user_id().is_some() && search.owner_id == caller.user_id();
    let may_manage = caller.has_any_scope(&["org:write", "org:admin"]);
    match search.visibility {
        // Others' personal searches are invisible, so they do not exist for the caller.
        Visibility::Owner if !own => return Err(ApiError::not_found("saved search")),
        Visibility::Organization if !may_manage => {
            return Err(ApiError::forbidden(
                "organization_search_restricted",
                "Deleting an organization-wide search needs org:write.",
            ));
        }
        _ => {}
    }
    if state.data(move |s| s.delete_saved_search(org_id, id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("saved search"))
    }
}
