// R5: a replay endpoint without the replay gate would skip the session-replay feature check
// (the bug class of Sentry PR #104955).

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
)]
async fn replay_details() {}

fn main() {}
