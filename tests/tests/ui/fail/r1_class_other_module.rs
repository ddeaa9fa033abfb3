// R1 via a permission class declared in another module: the check runs as const evaluation, so it
// sees the class's map although the macro on the endpoint cannot.

mod permissions {
    #[scopegate::permission(
        GET = ["member:read", "member:write"],
        POST = ["member:read", "member:write"],
    )]
    pub struct MemberPermission;
}

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/members/",
    permission = permissions::MemberPermission,
)]
fn invite_member() {}

fn main() {}
