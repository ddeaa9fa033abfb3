// An authorization library whose decision can be dropped unread enforces nothing: `Decision` is
// `#[must_use]`, so `registry.authorize(&request);` is at least a warning (an error here).

#![deny(unused_must_use)]

use scopegate::{AccessRequest, Method, Principal, Registry};

#[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
async fn organization_details() {}

fn main() {
    let nobody = Principal::Anonymous;
    let request = AccessRequest::new(Method::Get, "/organizations/acme/", &nobody);
    Registry::global().authorize(&request);
}
