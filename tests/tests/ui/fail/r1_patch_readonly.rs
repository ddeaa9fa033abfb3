// R1: a PATCH that accepts the read-only `team:read`.

#[scopegate::endpoint(
    method = PATCH,
    path = "/teams/{organization_id_or_slug}/{team_id_or_slug}/",
    scopes = ["team:read", "team:write"],
)]
fn rename_team() {}

fn main() {}
