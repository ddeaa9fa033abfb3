// R2 on a class: POST accepts no read-only scope, so its exception is stale.

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:write", "org:admin"],
    readonly_exceptions(POST = "Members may save personal searches."),
)]
pub struct OrganizationSearchPermission;

fn main() {}
