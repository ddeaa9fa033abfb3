// R1: every read-only scope of the list is named in the message, in declaration order.

#[scopegate::endpoint(
    method = PUT,
    path = "/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/{issue_id}/",
    scopes = ["event:write", "event:read", "project:read", "org:read"],
)]
fn update_issue() {}

fn main() {}
