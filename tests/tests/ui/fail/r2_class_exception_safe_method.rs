// R2 on a class: a read-only exception for GET (a safe method) is stale.

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:write"],
    readonly_exceptions(GET = "Everyone may read."),
)]
pub struct OrganizationPermission;

fn main() {}
