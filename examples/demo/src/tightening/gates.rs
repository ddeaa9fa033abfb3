//! Gate rollouts without surprises: which members used the replay area, and who a change of the
//! replay access settings would lock out.
//!
//! * [`record_gate_use`] runs inside the permission check of every route (scopegate's
//!   `route_layer`: only allowed requests reach it). A request to a gated endpoint by a signed-in
//!   member (a session or a user token; not an active superuser, who bypasses the gate) is a use
//!   of the area that day. This instance writes the first use of each member, organization and day
//!   to the store's `gate_usage` table (in the background: the request does not wait), and skips
//!   the writes for the rest of the day ([`GateUseLog`]).
//! * [`gate_preview`] takes a proposed change (granular mode, the allowlists of users and teams)
//!   and answers, among the members who used the area in the window, those who may use it now and
//!   would not under the proposal, each with scopegate's reason (`Registry::gate_preview`).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use scopegate::axum::Authorized;
use scopegate::{Date, Principal, Registry, TeamId, UserId};
use serde::Serialize;

use crate::AppState;
use crate::model::{IdOrSlug, OrganizationSettings};
use crate::resolve::{REPLAY_GATE, id, organization_state};
use crate::store::{GateUse, GateUseWrite, ServiceStore, StoreError, UsageBounds};

/// The most uses a [`GateUseLog`] remembers; past it, it starts the day afresh (the store keeps
/// each use once whatever this instance remembers).
const MAX_REMEMBERED: usize = 100_000;

/// One use: organization, gate, user.
type Use = (i64, &'static str, i64);

/// The gate uses this instance has written (or is writing) today, so each is written once a day.
#[derive(Debug, Default)]
pub struct GateUseLog {
    seen: Mutex<(Option<Date>, HashSet<Use>)>,
}

impl GateUseLog {
    /// Whether `used` is the first of its kind on `day` here; it counts as seen from now on.
    fn first(&self, day: Date, used: Use) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.0 != Some(day) || seen.1.len() >= MAX_REMEMBERED {
            *seen = (Some(day), HashSet::new());
        }
        seen.1.insert(used)
    }

    /// Forgets `used` (its write failed: the next use tries again).
    fn forget(&self, used: &Use) {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).1.remove(used);
    }
}

/// The use an allowed request makes of a gated area, if any: its endpoint's gate, the target
/// organization and the member calling (see the module docs).
fn gate_use(auth: &Authorized) -> Option<Use> {
    let gate = auth.endpoint().gate()?;
    let Principal::User { id: user, active_superuser: false, .. } = auth.principal else { return None };
    let organization = auth.organization.as_ref()?.id();
    if auth.membership.as_ref()?.organization != organization {
        return None;
    }
    Some((i64::try_from(organization.0).ok()?, gate, i64::try_from(user.0).ok()?))
}

/// Records the request's use of a gated area, if it makes one (see the module docs), and runs it.
/// A middleware for [`ApiRouter::route_layer`](scopegate::axum::ApiRouter::route_layer): inside
/// the permission check, so only allowed requests count.
pub async fn record_gate_use(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(used) = request.extensions().get::<Authorized>().and_then(gate_use) {
        let day = Date::today();
        if state.gate_uses().first(day, used) {
            let (organization_id, gate, user_id) = used;
            let log = state.clone();
            tokio::spawn(async move {
                let row = GateUse { organization_id, gate: gate.to_owned(), user_id, day };
                match log.data(move |s| s.record_gate_use(&row, &UsageBounds::now())).await {
                    Ok(GateUseWrite::OverBound) => tracing::warn!(
                        organization_id,
                        gate,
                        "the organization has more users of the gated area today than are recorded; the preview will miss some"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        log.gate_uses().forget(&used);
                        tracing::warn!(error = %e, organization_id, gate, "cannot record a use of a gated area");
                    }
                }
            });
        }
    }
    next.run(request).await
}

/// A proposed change of an organization's replay access settings; what is `None` stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GateProposal {
    /// Granular access on or off.
    pub granular: Option<bool>,
    /// The allowlist of users (user ids).
    pub users: Option<Vec<i64>>,
    /// The allowlist of teams (team ids).
    pub teams: Option<Vec<i64>>,
}

/// The replay access settings a preview judges with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposedSettings {
    /// Granular access.
    pub has_granular_replay_permissions: bool,
    /// The allowlist of users.
    pub replay_access_members: Vec<i64>,
    /// The allowlist of teams.
    pub replay_access_teams: Vec<i64>,
}

/// A member who used the area in the window and would lose access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LosingAccess {
    /// The user id.
    pub id: i64,
    /// The username.
    pub username: String,
    /// The display name.
    pub name: String,
    /// scopegate's reason for the denial they would get (e.g. `not_on_allowlist`).
    pub reason: &'static str,
    /// The last day in the window they used the area.
    pub last_used: String,
}

/// What [`gate_preview`] answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatePreview {
    /// The organization's slug.
    pub organization: String,
    /// The gate (`replay`).
    pub gate: &'static str,
    /// The window's first day (it ends today).
    pub since: String,
    /// The settings judged: the proposal over the current ones.
    pub proposed: ProposedSettings,
    /// How many members used the area in the window.
    pub used_by: usize,
    /// Those of them who may use it now and would not under the proposal, by user id.
    pub losing_access: Vec<LosingAccess>,
}

/// Why a preview could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewError {
    /// No such organization.
    NotFound(String),
    /// The proposal names users who are not members or teams of another organization.
    Invalid(String),
    /// The store failed.
    Store(StoreError),
}

impl fmt::Display for PreviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreviewError::NotFound(msg) | PreviewError::Invalid(msg) => f.write_str(msg),
            PreviewError::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PreviewError {}

impl From<StoreError> for PreviewError {
    fn from(e: StoreError) -> Self {
        PreviewError::Store(e)
    }
}

/// Who would lose access to the replay area of `organization` under `proposal`, among the members
/// who used it since `since` (see the module docs). The organization's members, teams and
/// settings come from one snapshot. Members who used the area but have left the organization
/// since are not listed (they have no access to lose), nor are members the current settings
/// already refuse.
///
/// # Errors
/// [`PreviewError::NotFound`] for an unknown organization, [`PreviewError::Invalid`] when the
/// proposal names a user who is not a member or a team of another organization (as `PUT
/// …/organizations/{organization}/` would refuse it), or the store's error.
pub fn gate_preview(
    store: &dyn ServiceStore,
    registry: &Registry,
    organization: &IdOrSlug,
    proposal: &GateProposal,
    since: Date,
) -> Result<GatePreview, PreviewError> {
    let snapshot = store
        .organization_snapshot(organization)?
        .ok_or_else(|| PreviewError::NotFound(format!("no organization {organization}")))?;
    let org_id = snapshot.organization.id;
    if let Some(users) = &proposal.users {
        let strangers: Vec<String> =
            users.iter().filter(|u| snapshot.member_of(**u).is_none()).map(i64::to_string).collect();
        if !strangers.is_empty() {
            return Err(PreviewError::Invalid(format!(
                "users: user ids {} are not members of {}",
                strangers.join(", "),
                snapshot.organization.slug
            )));
        }
    }
    if let Some(teams) = &proposal.teams {
        let known: HashSet<i64> = store.data().teams(org_id)?.iter().map(|t| t.id).collect();
        let strangers: Vec<String> =
            teams.iter().filter(|t| !known.contains(t)).map(i64::to_string).collect();
        if !strangers.is_empty() {
            return Err(PreviewError::Invalid(format!(
                "teams: team ids {} are not teams of {}",
                strangers.join(", "),
                snapshot.organization.slug
            )));
        }
    }
    let current = &snapshot.settings;
    let proposed = OrganizationSettings {
        features: current.features.clone(),
        granular_replay: proposal.granular.unwrap_or(current.granular_replay),
        replay_access_members: proposal
            .users
            .clone()
            .unwrap_or_else(|| current.replay_access_members.clone()),
        replay_access_teams: proposal.teams.clone().unwrap_or_else(|| current.replay_access_teams.clone()),
    };

    let used = store.data().gate_users_since(org_id, REPLAY_GATE, since)?;
    // The members among them, with their teams now.
    let members: Vec<(UserId, Vec<TeamId>, &crate::model::Member, Date)> = used
        .iter()
        .filter_map(|u| {
            let member = snapshot.member_of(u.user_id)?;
            let teams = member.teams.iter().map(|t| TeamId(id(*t))).collect();
            Some((UserId(id(u.user_id)), teams, member, u.last_used))
        })
        .collect();
    let refused = |settings: &OrganizationSettings| -> Result<HashMap<UserId, &'static str>, PreviewError> {
        let state = organization_state(registry, org_id, settings);
        let losing = registry
            .gate_preview(
                REPLAY_GATE,
                &state,
                members.iter().map(|(user, teams, ..)| (*user, teams.as_slice())),
            )
            .map_err(|e| {
                PreviewError::Store(StoreError::Backend(format!("the registry has no gate: {e:?}")))
            })?;
        Ok(losing.into_iter().map(|(user, reason)| (user, reason.code())).collect())
    };
    let now = refused(current)?;
    let then = refused(&proposed)?;
    let losing_access = members
        .iter()
        .filter(|(user, ..)| !now.contains_key(user))
        .filter_map(|(user, _, member, last_used)| {
            Some(LosingAccess {
                id: member.user.id,
                username: member.user.username.clone(),
                name: member.user.name.clone(),
                reason: then.get(user)?,
                last_used: last_used.to_string(),
            })
        })
        .collect();
    Ok(GatePreview {
        organization: snapshot.organization.slug.clone(),
        gate: REPLAY_GATE,
        since: since.to_string(),
        proposed: ProposedSettings {
            has_granular_replay_permissions: proposed.granular_replay,
            replay_access_members: proposed.replay_access_members,
            replay_access_teams: proposed.replay_access_teams,
        },
        used_by: members.len(),
        losing_access,
    })
}

/// A list of ids as the preview's `users` and `teams` take it: comma-separated positive integers;
/// empty for an empty list (an empty allowlist).
///
/// ```
/// use scopegate_demo::tightening::gates::parse_ids;
/// assert_eq!(parse_ids("users", "1, 2,2"), Ok(vec![1, 2]));
/// assert_eq!(parse_ids("users", ""), Ok(vec![]));
/// assert!(parse_ids("teams", "1,x").unwrap_err().contains("teams"));
/// ```
///
/// # Errors
/// A message naming `field` and the item that is not an id.
pub fn parse_ids(field: &str, text: &str) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.parse::<i64>() {
            Ok(n) if n > 0 && !item.starts_with('+') => {
                if !ids.contains(&n) {
                    ids.push(n);
                }
            }
            _ => {
                return Err(format!(
                    "{field}: {item:?} is not an id (write positive integers separated by commas)"
                ));
            }
        }
    }
    Ok(ids)
}
