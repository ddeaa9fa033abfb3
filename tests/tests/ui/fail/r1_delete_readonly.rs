// R1: a DELETE that accepts the read-only `alerts:read`.

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/alert-rules/{alert_rule_id}/",
    scopes = ["alerts:write", "alerts:read"],
)]
fn delete_alert_rule() {}

fn main() {}
