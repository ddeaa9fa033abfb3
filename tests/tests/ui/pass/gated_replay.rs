// Replay endpoints carry the replay gate, with direct scopes or a class from another crate.

use scopegate::Method;

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/replays/{replay_id}/",
    scopes = ["event:read", "event:write", "event:admin"],
    gate = replay,
)]
async fn replay_details() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/",
    permission = scopegate_test_classes::ProjectEventPermission,
    gate = r#replay,
)]
async fn list_replays() {}

fn main() {
    let registry = scopegate::Registry::global();
    let details = registry.lookup(Method::Get, "/projects/acme/web/replays/0f3a/").expect("registered");
    assert_eq!(details.gate(), Some("replay"));
    let list = registry.lookup(Method::Get, "/organizations/acme/replays/").expect("registered");
    assert_eq!(list.gate(), Some("replay"));
}
