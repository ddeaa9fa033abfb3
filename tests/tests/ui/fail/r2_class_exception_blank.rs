// R2 on a class: a blank class-level justification.

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = ""),
)]
pub struct OrganizationSearchPermission;

fn main() {}
