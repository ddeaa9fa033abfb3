// The attribute works on sync and async handlers with any signature, generic and `const` ones
// included. (Unit tests call a body as `stats::stats(Checked::for_tests(), 2)`, with the
// `testing` feature: see the doctests of `scopegate::Checked`.)

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/stats/", scopes = ["org:read"])]
fn stats(days: u32) -> u32 {
    days * 2
}

#[scopegate::endpoint(method = DELETE, path = "/organizations/{org}/stats/", scopes = ["org:admin"])]
pub async fn reset_stats<T: Default>(_: T) -> Result<(), String> {
    Ok(())
}

#[scopegate::endpoint(method = HEAD, path = "/organizations/{org}/ping/", scopes = ["org:read"])]
pub(crate) fn r#ping() {}

#[scopegate::endpoint(method = OPTIONS, path = "/organizations/{org}/ping/", scopes = ["org:read"])]
const fn ping_options() -> u8 {
    7
}

fn main() {
    let registry = scopegate::Registry::global();
    assert_eq!(registry.len(), 4);
    assert!(registry.by_handler(concat!(module_path!(), "::ping")).is_some());
    assert!(registry.by_handler(concat!(module_path!(), "::reset_stats")).is_some());
}
