//! Dashboards: members create them and manage their own (Sentry's creator rule).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, Payload, name_field, path_id};
use crate::AppState;
use crate::model::{Dashboard, DashboardUpdate, NewDashboard};
use crate::permissions::OrganizationDashboardsPermission;
use crate::resolve::Caller;

/// The most widgets a dashboard may hold.
pub const MAX_WIDGETS: usize = 50;

fn widgets(value: Value) -> Result<Value, ApiError> {
    match &value {
        Value::Array(items) if items.len() <= MAX_WIDGETS => Ok(value),
        Value::Array(_) => Err(ApiError::invalid(format!("a dashboard holds at most {MAX_WIDGETS} widgets"))),
        _ => Err(ApiError::invalid("widgets must be a JSON array")),
    }
}

/// `GET /api/0/organizations/{organization_id_or_slug}/dashboards/`: every dashboard.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/dashboards/",
    permission = OrganizationDashboardsPermission,
    owner = "dashboards",
    publish = public,
)]
pub async fn list_dashboards(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Dashboard>>, ApiError> {
    let org_id = caller.org()?.id;
    Ok(Json(state.data(move |s| s.dashboards(org_id)).await?))
}

/// The body of a dashboard creation or update.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardInput {
    title: Option<String>,
    widgets: Option<Value>,
}

/// `POST /api/0/organizations/{organization_id_or_slug}/dashboards/`: create a dashboard; the
/// calling user becomes its creator.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/dashboards/",
    permission = OrganizationDashboardsPermission,
    owner = "dashboards",
    publish = public,
)]
pub async fn create_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Payload(input): Payload<DashboardInput>,
) -> Result<(StatusCode, Json<Dashboard>), ApiError> {
    let org_id = caller.org()?.id;
    let title = name_field("title", input.title.as_deref().unwrap_or_default(), 255)?;
    let new = NewDashboard {
        title,
        widgets: widgets(input.widgets.unwrap_or_else(|| Value::Array(Vec::new())))?,
        created_by: caller.user_id(),
    };
    let dashboard = state.data(move |s| s.create_dashboard(org_id, &new)).await?;
    Ok((StatusCode::CREATED, Json(dashboard)))
}

async fn dashboard(state: &AppState, caller: &Caller, id: &str) -> Result<Dashboard, ApiError> {
    let org_id = caller.org()?.id;
    let id = path_id(id, "dashboard")?;
    state.data(move |s| s.dashboard(org_id, id)).await?.ok_or_else(|| ApiError::not_found("dashboard"))
}

/// Sentry's rule: `org:write` edits any dashboard; a member edits only the ones they created.
fn check_may_edit(caller: &Caller, dashboard: &Dashboard) -> Result<(), ApiError> {
    let creator = caller.user_id().is_some() && dashboard.created_by == caller.user_id();
    if creator || caller.has_any_scope(&["org:write", "org:admin"]) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_dashboard_creator",
            "Only the dashboard's creator, or someone with org:write, may change it.",
        ))
    }
}

/// `GET /api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/`: one dashboard.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
    owner = "dashboards",
    publish = public,
)]
pub async fn dashboard_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(dashboard(&state, &caller, &id).await?))
}

/// `PUT /api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/`: change the
/// title or widgets.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
    readonly_exception = "Members may edit dashboards they created without org:write, like Sentry; others' dashboards need org:write, checked in the handler.",
    owner = "dashboards",
    publish = public,
)]
pub async fn update_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, id)): Path<(String, String)>,
    Payload(input): Payload<DashboardInput>,
) -> Result<Json<Dashboard>, ApiError> {
    let existing = dashboard(&state, &caller, &id).await?;
    check_may_edit(&caller, &existing)?;
    let update = DashboardUpdate {
        title: input.title.as_deref().map(|t| name_field("title", t, 255)).transpose()?,
        widgets: input.widgets.map(widgets).transpose()?,
    };
    let (org_id, id) = (existing.organization_id, existing.id);
    let updated = state.data(move |s| s.update_dashboard(org_id, id, &update)).await?;
    updated.map(Json).ok_or_else(|| ApiError::not_found("dashboard"))
}

/// `DELETE /api/0/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/`.
#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    permission = OrganizationDashboardsPermission,
    owner = "dashboards",
    publish = public,
)]
pub async fn delete_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let existing = dashboard(&state, &caller, &id).await?;
    check_may_edit(&caller, &existing)?;
    let (org_id, id) = (existing.organization_id, existing.id);
    if state.data(move |s| s.delete_dashboard(org_id, id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("dashboard"))
    }
}
