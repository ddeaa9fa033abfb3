// R4 on a class: keys are methods (upper case) and `readonly_exceptions`.

#[scopegate::permission(
    GET = ["org:read"],
    post = ["org:write"],
    readonly_exception(POST = "Members may save searches."),
)]
pub struct OrganizationPermission;

fn main() {}
