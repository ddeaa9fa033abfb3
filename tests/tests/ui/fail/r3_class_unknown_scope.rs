// R3 on a class: its scope lists are checked like an endpoint's.

#[scopegate::permission(
    GET = ["org:read", "org:raed"],
    POST = ["org:write", "org:write"],
    PUT = [],
)]
pub struct OrganizationPermission;

fn main() {}
