// Every mistake of one attribute is reported in the same build.

#[scopegate::endpoint(
    method = PUTT,
    path = "organizations/{organization_id_or_slug}/",
    scopes = ["org:reed", "org:write", "org:write"],
    ower = "dashboards",
    publish = publik,
    gate = replai,
)]
fn update_organization() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/replays/{replay_id}/",
    scopes = ["org:read", "org:write"],
    publish = public,
)]
fn update_replay() {}

fn main() {}
