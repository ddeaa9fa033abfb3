// R2 on a class: an exception for a method the class does not map.

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may save personal searches.", PUT = "Members may edit them."),
)]
pub struct OrganizationSearchPermission;

fn main() {}
