// An endpoint in a gated area may opt out with a written reason.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/count/",
    scopes = ["event:read"],
    gate_exempt = "Counts only; the issue stream shows them whether or not replay is enabled.",
)]
fn replay_count() {}

fn main() {
    let endpoint = scopegate::Registry::global()
        .by_handler(concat!(module_path!(), "::replay_count"))
        .expect("registered");
    assert_eq!(endpoint.gate(), None);
    assert_eq!(
        endpoint.gate_exempt(),
        Some("Counts only; the issue stream shows them whether or not replay is enabled.")
    );
}
