// R6 in a permission class: a plan and a sunset for a method the class has no read-only exception for.

#[scopegate::permission(
    GET = ["org:read"],
    POST = ["org:write"],
    planned_scopes(POST = ["org:admin"]),
    sunsets(GET = "2027-01-31"),
)]
pub struct SearchPermission;

fn main() {}
