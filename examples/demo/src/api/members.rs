//! Members and teams, including joining and leaving teams (which feeds the replay team allowlist).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{ApiError, path_id};
use crate::AppState;
use crate::model::{IdOrSlug, Member, MemberRemoval, Role, Team, TeamJoin, TeamJoinRule};
use crate::permissions::{MemberPermission, OrganizationPermission, OrganizationTeamMemberPermission};
use crate::resolve::Caller;

/// `GET /api/0/organizations/{organization_id_or_slug}/members/`: every member with role and teams.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/members/",
    permission = MemberPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Member>>, ApiError> {
    let org_id = caller.org()?.id;
    Ok(Json(state.data(move |s| s.members(org_id)).await?))
}

/// Resolves `{member_id}`: a membership id, or `me` for the caller's own membership.
async fn target_member(state: &AppState, caller: &Caller, member_id: &str) -> Result<Member, ApiError> {
    let org_id = caller.org()?.id;
    if member_id == "me" {
        return caller.member().cloned().ok_or_else(|| {
            ApiError::invalid("`me` names the calling user's membership; these credentials have none here")
        });
    }
    let id = path_id(member_id, "member")?;
    state.data(move |s| s.member(org_id, id)).await?.ok_or_else(|| ApiError::not_found("member"))
}

fn is_self(caller: &Caller, member: &Member) -> bool {
    caller.member().is_some_and(|m| m.id == member.id)
}

/// `DELETE /api/0/organizations/{organization_id_or_slug}/members/{member_id}/`: leave the
/// organization (`me` or your own id), or remove someone else with `member:admin` (an owner only
/// with `org:admin`). The only owner cannot be removed.
#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/members/{member_id}/",
    permission = MemberPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, member_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org_id = caller.org()?.id;
    let target = target_member(&state, &caller, &member_id).await?;
    if !is_self(&caller, &target) {
        if !caller.has_any_scope(&["member:admin"]) {
            return Err(ApiError::forbidden(
                "not_your_membership",
                "Removing another member needs member:admin; with member:read you may only remove yourself.",
            ));
        }
        if target.role == Role::Owner && !caller.has_any_scope(&["org:admin"]) {
            return Err(ApiError::forbidden("owner_removal", "Only owners (org:admin) may remove an owner."));
        }
    }
    let target_id = target.id;
    match state.store(move |s| s.remove_member(org_id, target_id)).await? {
        MemberRemoval::Removed => Ok(StatusCode::NO_CONTENT),
        MemberRemoval::NotFound => Err(ApiError::not_found("member")),
        MemberRemoval::LastOwner => {
            Err(ApiError::forbidden("last_owner", "The organization's only owner cannot be removed."))
        }
    }
}

/// `GET /api/0/organizations/{organization_id_or_slug}/teams/`: every team with its member count.
#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/teams/",
    permission = OrganizationPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn list_teams(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Team>>, ApiError> {
    let org_id = caller.org()?.id;
    Ok(Json(state.data(move |s| s.teams(org_id)).await?))
}

/// A team on a gate's allowlist carries that gate's access, so joining it — or adding anyone to it —
/// needs what editing the allowlist needs (`PUT` on the organization: `org:write` or `org:admin`),
/// not only the rights to manage team membership: otherwise open membership, or `team:write`, would
/// let a member grant themselves or others access an owner restricted to that team. (Sentry has no
/// team allowlists; its replay access lists users only.)
fn allowlisted_team_guard(state: &AppState, caller: &Caller, team: &Team) -> Result<(), ApiError> {
    let Some(org_state) = caller.organization_state() else { return Ok(()) };
    let team_id = scopegate::TeamId(crate::resolve::id(team.id));
    let gates: Vec<&str> = state
        .registry()
        .config()
        .gates()
        .iter()
        .filter(|g| g.has_allowlists() && org_state.allowed_teams(g.name()).contains(&team_id))
        .map(|g| g.name())
        .collect();
    let Some(gate) = gates.first() else { return Ok(()) };
    if may_join_allowlisted(caller) {
        return Ok(());
    }
    Err(allowlisted_team_restricted(team, gate))
}

/// The scopes that edit the allowlists (`PUT` on the organization).
fn allowlist_edit_scopes() -> &'static [&'static str] {
    <OrganizationPermission as scopegate::Permission>::CLASS
        .get(scopegate::Method::Put)
        .map_or(&[][..], |m| m.scopes())
}

/// Whether the caller may add members to a team on an allowlist.
fn may_join_allowlisted(caller: &Caller) -> bool {
    caller.has_any_scope(allowlist_edit_scopes())
}

fn allowlisted_team_restricted(team: &Team, gate: &str) -> ApiError {
    ApiError::forbidden(
        "allowlisted_team_restricted",
        format!(
            "Team {} is on the `{gate}` access list: joining it grants that access, so adding members to it needs {} (what editing the list needs).",
            team.slug,
            allowlist_edit_scopes().join(" or ")
        ),
    )
}

fn closed_membership() -> ApiError {
    ApiError::forbidden(
        "team_membership_restricted",
        "This organization has closed membership: ask an admin to add you to the team.",
    )
}

async fn target_team(state: &AppState, org_id: i64, team: &str) -> Result<Team, ApiError> {
    let key = IdOrSlug::parse(team);
    state.data(move |s| s.team(org_id, &key)).await?.ok_or_else(|| ApiError::not_found("team"))
}

/// `POST /api/0/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/`:
/// add a member to a team. With `org:write` or `team:write` anyone; otherwise only yourself, and
/// only when the organization has open membership. 201 when added, 204 when already in the team.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
    permission = OrganizationTeamMemberPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn join_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, member_id, team)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let org = caller.org()?.clone();
    let target = target_member(&state, &caller, &member_id).await?;
    let manages_teams = caller.has_any_scope(&["org:write", "team:write"]);
    if !manages_teams {
        if !is_self(&caller, &target) {
            return Err(ApiError::forbidden(
                "team_membership_restricted",
                "Adding another member to a team needs org:write or team:write.",
            ));
        }
        if !org.open_membership {
            return Err(closed_membership());
        }
    }
    let team = target_team(&state, org.id, &team).await?;
    allowlisted_team_guard(&state, &caller, &team)?;
    // The snapshot decided the request; the store checks again against the database, in the
    // transaction that writes (the snapshot may predate an allowlist edit made elsewhere).
    let rule = TeamJoinRule {
        may_join_allowlisted: may_join_allowlisted(&caller),
        needs_open_membership: !manages_teams,
    };
    let (org_id, team_id, target_id) = (org.id, team.id, target.id);
    let status = match state.store(move |s| s.add_team_member(org_id, team_id, target_id, rule)).await? {
        TeamJoin::Added => StatusCode::CREATED,
        TeamJoin::AlreadyMember => StatusCode::NO_CONTENT,
        TeamJoin::AllowlistedTeam => {
            return Err(allowlisted_team_restricted(&team, crate::resolve::REPLAY_GATE));
        }
        TeamJoin::ClosedMembership => return Err(closed_membership()),
    };
    Ok((status, Json(json!({ "team": team.slug, "member": target.id.to_string() }))))
}

/// `DELETE /api/0/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/`:
/// remove a member from a team: yourself always, anyone with `org:write` or `team:admin`.
#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
    permission = OrganizationTeamMemberPermission,
    owner = "enterprise",
    publish = public,
)]
pub async fn leave_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((_, member_id, team)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let org_id = caller.org()?.id;
    let target = target_member(&state, &caller, &member_id).await?;
    if !is_self(&caller, &target) && !caller.has_any_scope(&["org:write", "org:admin", "team:admin"]) {
        return Err(ApiError::forbidden(
            "team_membership_restricted",
            "Removing another member from a team needs org:write or team:admin.",
        ));
    }
    let team = target_team(&state, org_id, &team).await?;
    let (team_id, target_id) = (team.id, target.id);
    if state.store(move |s| s.remove_team_member(org_id, team_id, target_id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("team membership"))
    }
}
