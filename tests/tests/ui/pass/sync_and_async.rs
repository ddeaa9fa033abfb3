// The attribute works on sync and async handlers with any signature, and leaves their bodies
// callable as `handler::handler(Checked::for_tests(), …)`, for unit tests.

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

use scopegate::Checked;

fn main() {
    assert_eq!(stats::handler(Checked::for_tests(), 2), 4);
    drop(reset_stats::handler::<u8>(Checked::for_tests(), 0));
    ping::handler(Checked::for_tests());
    const SEVEN: u8 = ping_options::handler(Checked::for_tests());
    assert_eq!(SEVEN, 7);
    let registry = scopegate::Registry::global();
    assert_eq!(registry.len(), 4);
    assert!(registry.by_handler(concat!(module_path!(), "::ping")).is_some());
    assert!(registry.by_handler(concat!(module_path!(), "::reset_stats")).is_some());
}
