//! Session replays. Every endpoint that serves replay data carries `gate = replay`: scopegate
//! answers 404 when the organization lacks `organizations:session-replay`, and 403 for callers
//! outside the granular access allowlists, before any handler here runs. The access preview, which
//! serves no replay data but the effect of a change of those allowlists, is `gate_exempt` (it must
//! answer owners whom the current settings leave out).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{ApiError, Data, Payload, path_id, printable_field};
use crate::AppState;
use crate::api::projects::project;
use crate::model::{DeletionJob, IdOrSlug, NewDeletionJob, Project, RecordingSegment, Replay, ReplayView};
use crate::permissions::{
    OrganizationPermission, ProjectPermission, ReplayDeletionJobPermission, ReplayDetailsPermission,
};
use crate::resolve::Caller;
use crate::tightening::gates::{GatePreview, GateProposal, PreviewError, gate_preview, parse_ids};
use crate::tightening::parse_since;

/// A replay id as stored: 32 lowercase hex digits. Accepts the dashed UUID form and upper case,
/// like Sentry; anything else names no replay.
///
/// ```
/// use scopegate_demo::api::replays::normalise_replay_id;
/// assert_eq!(
///     normalise_replay_id("A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90").as_deref(),
///     Some("a1b2c3d4e5f60718293a4b5c6d7e8f90")
/// );
/// assert_eq!(normalise_replay_id("not-a-replay"), None);
/// ```
pub fn normalise_replay_id(raw: &str) -> Option<String> {
    let id: String = raw.chars().filter(|c| *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// The query of the organization replay index.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// Only replays of this project (id or slug).
    project: Option<String>,
}

/// `GET /api/0/organizations/{organization_id_or_slug}/replays/`: the organization's replays,
/// newest first, optionally of one `?project=`.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/",
    permission = OrganizationPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn list_replays(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReplayQuery>,
) -> Result<Json<Data<Vec<Replay>>>, ApiError> {
    let org_id = caller.org()?.id;
    let project = match query.project {
        Some(key) => {
            let key = IdOrSlug::parse(&key);
            let found = state.data(move |s| s.project(org_id, &key)).await?;
            Some(found.ok_or_else(|| ApiError::invalid("project: no such project in this organization"))?.id)
        }
        None => None,
    };
    Ok(Json(Data { data: state.data(move |s| s.replays(org_id, project)).await? }))
}

/// `GET /api/0/organizations/{organization_id_or_slug}/replays/{replay_id}/`: one replay,
/// whatever its project.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/{replay_id}/",
    permission = OrganizationPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn organization_replay_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, replay_id)): Path<(String, String)>,
) -> Result<Json<Data<Replay>>, ApiError> {
    let org_id = caller.org()?.id;
    let id = normalise_replay_id(&replay_id).ok_or_else(|| ApiError::not_found("replay"))?;
    let replay = state.data(move |s| s.organization_replay(org_id, &id)).await?;
    Ok(Json(Data { data: replay.ok_or_else(|| ApiError::not_found("replay"))? }))
}

/// The project and replay a project replay path names, or 404.
async fn project_replay(
    state: &AppState,
    caller: &Caller,
    project_key: &str,
    replay_id: &str,
) -> Result<(Project, Replay), ApiError> {
    let project = project(state, caller, project_key).await?;
    let id = normalise_replay_id(replay_id).ok_or_else(|| ApiError::not_found("replay"))?;
    let project_id = project.id;
    let replay =
        state.data(move |s| s.replay(project_id, &id)).await?.ok_or_else(|| ApiError::not_found("replay"))?;
    Ok((project, replay))
}

/// `GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/`.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    permission = ReplayDetailsPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn replay_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id)): Path<(String, String, String)>,
) -> Result<Json<Data<Replay>>, ApiError> {
    let (_, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    Ok(Json(Data { data: replay }))
}

/// `DELETE /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/`:
/// delete a replay with its recording and views.
#[scopegate::endpoint(
    method = DELETE,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    permission = ReplayDetailsPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn delete_replay(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (project, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    let project_id = project.id;
    if state.data(move |s| s.delete_replay(project_id, &replay.id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("replay"))
    }
}

/// `GET …/replays/{replay_id}/recording-segments/`: the replay's recording, segment by segment.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/recording-segments/",
    permission = ProjectPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn list_recording_segments(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id)): Path<(String, String, String)>,
) -> Result<Json<Data<Vec<RecordingSegment>>>, ApiError> {
    let (_, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    Ok(Json(Data { data: state.data(move |s| s.recording_segments(&replay.id)).await? }))
}

/// `GET …/replays/{replay_id}/recording-segments/{segment_id}/`: one segment.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/recording-segments/{segment_id}/",
    permission = ProjectPermission,
    owner = "replay",
    publish = public,
    gate = replay,
)]
pub async fn recording_segment_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id, segment_id)): Path<(String, String, String, String)>,
) -> Result<Json<Data<RecordingSegment>>, ApiError> {
    let (_, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    let segment_id = match segment_id.parse::<i64>() {
        Ok(id) if id >= 0 => id,
        _ => return Err(ApiError::not_found("recording segment")),
    };
    let segment = state.data(move |s| s.recording_segment(&replay.id, segment_id)).await?;
    Ok(Json(Data { data: segment.ok_or_else(|| ApiError::not_found("recording segment"))? }))
}

/// `GET …/replays/{replay_id}/viewed-by/`: who watched the replay.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/viewed-by/",
    scopes = ["event:read", "event:write", "event:admin"],
    owner = "replay",
    publish = public_experimental,
    gate = replay,
)]
pub async fn replay_viewed_by(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id)): Path<(String, String, String)>,
) -> Result<Json<Data<Vec<ReplayView>>>, ApiError> {
    let (_, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    Ok(Json(Data { data: state.data(move |s| s.replay_viewers(&replay.id)).await? }))
}

/// `POST …/replays/{replay_id}/viewed-by/`: record that the calling user watched the replay.
#[scopegate::endpoint(
    method = POST,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/viewed-by/",
    scopes = ["event:read", "event:write", "event:admin"],
    readonly_exception = "Watching a replay is a read; recording that the caller watched it writes only the caller's own view marker.",
    owner = "replay",
    publish = private,
    gate = replay,
)]
pub async fn mark_replay_viewed(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, replay_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = caller
        .user_id()
        .ok_or_else(|| ApiError::invalid("only a user can view a replay; organization tokens cannot"))?;
    let (_, replay) = project_replay(&state, &caller, &project_key, &replay_id).await?;
    state.data(move |s| s.mark_replay_viewed(&replay.id, user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/jobs/delete/`: the
/// project's replay deletion jobs.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/jobs/delete/",
    permission = ReplayDeletionJobPermission,
    owner = "replay",
    publish = experimental,
    gate = replay,
)]
pub async fn list_deletion_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key)): Path<(String, String)>,
) -> Result<Json<Data<Vec<DeletionJob>>>, ApiError> {
    let project_id = project(&state, &caller, &project_key).await?.id;
    Ok(Json(Data { data: state.data(move |s| s.deletion_jobs(project_id)).await? }))
}

/// The body of a deletion job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeletionJobInput {
    range_start: String,
    range_end: String,
    #[serde(default)]
    environments: Vec<String>,
}

/// `POST /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/jobs/delete/`:
/// delete the project's replays started in `[rangeStart, rangeEnd)` (of `environments`, if given).
/// The demo runs the job at once, in one transaction, and answers with its result.
#[scopegate::endpoint(
    method = POST,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/jobs/delete/",
    permission = ReplayDeletionJobPermission,
    owner = "replay",
    publish = experimental,
    gate = replay,
)]
pub async fn create_deletion_job(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key)): Path<(String, String)>,
    Payload(input): Payload<DeletionJobInput>,
) -> Result<(StatusCode, Json<Data<DeletionJob>>), ApiError> {
    let project_id = project(&state, &caller, &project_key).await?.id;
    if input.environments.len() > 100 || input.environments.iter().any(|e| e.is_empty() || e.len() > 64) {
        return Err(ApiError::invalid("environments: at most 100 names of 1 to 64 characters"));
    }
    for environment in &input.environments {
        printable_field("environments", environment)?;
    }
    // SQLite's date functions stop at a NUL; PostgreSQL refuses it: refuse it on both.
    printable_field("rangeStart", &input.range_start)?;
    printable_field("rangeEnd", &input.range_end)?;
    let new = NewDeletionJob {
        range_start: input.range_start,
        range_end: input.range_end,
        environments: input.environments,
    };
    let job = state.data(move |s| s.create_deletion_job(project_id, &new)).await?;
    Ok((StatusCode::CREATED, Json(Data { data: job })))
}

/// `GET …/replays/jobs/delete/{job_id}/`: one deletion job.
#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/jobs/delete/{job_id}/",
    permission = ReplayDeletionJobPermission,
    owner = "replay",
    publish = experimental,
    gate = replay,
)]
pub async fn deletion_job_details(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, project_key, job_id)): Path<(String, String, String)>,
) -> Result<Json<Data<DeletionJob>>, ApiError> {
    let project_id = project(&state, &caller, &project_key).await?.id;
    let id = path_id(&job_id, "deletion job")?;
    let job = state.data(move |s| s.deletion_job(project_id, id)).await?;
    Ok(Json(Data { data: job.ok_or_else(|| ApiError::not_found("deletion job"))? }))
}

/// The query of the replay access preview: the proposed settings (each absent one stays as it
/// is) and the window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPreviewQuery {
    /// Granular access on (`true`) or off (`false`).
    granular: Option<String>,
    /// The proposed allowlist of users: user ids separated by commas (empty: nobody).
    users: Option<String>,
    /// The proposed allowlist of teams: team ids separated by commas (empty: none).
    teams: Option<String>,
    /// The window: `30d` (the default), or a first day `YYYY-MM-DD`.
    since: Option<String>,
}

/// `GET /api/0/organizations/{organization_id_or_slug}/replays/access-preview/?granular=true&users=1,2&teams=3`:
/// before an owner turns granular replay access on or shrinks an allowlist, the members who used
/// replays in the window (`since`, 30 days by default) and would lose access, each with the
/// reason scopegate would deny them (see [`crate::tightening::gates`]).
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/access-preview/",
    scopes = ["org:admin"],
    owner = "replay",
    publish = experimental,
    gate_exempt = "A preview of the organization's replay access settings, which owners edit through the ungated organization endpoint: it shows members and reasons, no replay data, and must answer when the current allowlist leaves the owner out or the feature is off.",
)]
pub async fn replay_access_preview(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AccessPreviewQuery>, QueryRejection>,
) -> Result<Json<GatePreview>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::invalid(rejection.body_text()))?;
    let org_id = caller.org()?.id;
    let granular = match query.granular.as_deref().map(str::trim) {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => return Err(ApiError::invalid(format!("granular: {other:?} is not true or false"))),
    };
    let ids = |field: &str, value: Option<&str>| {
        value.map(|v| parse_ids(field, v)).transpose().map_err(ApiError::invalid)
    };
    let proposal = GateProposal {
        granular,
        users: ids("users", query.users.as_deref())?,
        teams: ids("teams", query.teams.as_deref())?,
    };
    let since = parse_since(query.since.as_deref().unwrap_or("30d"), scopegate::Date::today())
        .map_err(|e| ApiError::invalid(format!("since: {e}")))?;
    let registry = state.registry();
    let preview = state
        .store(move |s| match gate_preview(s, registry, &IdOrSlug::Id(org_id), &proposal, since) {
            Ok(preview) => Ok(Ok(preview)),
            Err(PreviewError::Store(e)) => Err(e),
            Err(other) => Ok(Err(other)),
        })
        .await?;
    match preview {
        Ok(preview) => Ok(Json(preview)),
        Err(PreviewError::NotFound(_)) => Err(ApiError::not_found("organization")),
        Err(other) => Err(ApiError::invalid(other.to_string())),
    }
}
