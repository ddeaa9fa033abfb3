// R4: handlers are free functions; an associated function in an `impl` block cannot be
// registered. An attribute macro cannot see the enclosing `impl`, so the message is rustc's, on the
// hidden declaration type the attribute emits beside the handler: the build fails on the attribute
// rather than registering the handler under a wrong path, and the help says where it belongs.

struct Api;

impl Api {
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{organization_id_or_slug}/",
        scopes = ["org:read"],
    )]
    fn organization_details() {}
}

fn main() {}
