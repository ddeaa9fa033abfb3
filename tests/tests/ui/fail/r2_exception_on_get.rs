// R2: GET is not a mutation, so a read-only exception on it is a stale note.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/dashboards/",
    scopes = ["org:read"],
    readonly_exception = "Members may list dashboards.",
)]
fn list_dashboards() {}

fn main() {}
