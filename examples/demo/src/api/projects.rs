//! Projects.

use axum::Json;
use axum::extract::{Path, State};

use super::ApiError;
use crate::AppState;
use crate::model::{IdOrSlug, Project};
use crate::permissions::{OrganizationPermission, ProjectPermission};
use crate::resolve::Caller;

/// `GET /api/0/organizations/{organization_id_or_slug}/projects/`: every project.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/projects/",
    permission = OrganizationPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn list_projects(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Project>>, ApiError> {
    let org_id = caller.org()?.id;
    Ok(Json(state.data(move |s| s.projects(org_id)).await?))
}

/// The project named by `{project_id_or_slug}` in the caller's target organization, or 404.
pub(crate) async fn project(state: &AppState, caller: &Caller, key: &str) -> Result<Project, ApiError> {
    let org_id = caller.org()?.id;
    let key = IdOrSlug::parse(key);
    state.data(move |s| s.project(org_id, &key)).await?.ok_or_else(|| ApiError::not_found("project"))
}

/// `GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/`: one project.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/",
    permission = ProjectPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn project_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key)): Path<(String, String)>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(project(&state, &caller, &project_key).await?))
}
