// R4: handlers are free functions; an associated function in an `impl` block cannot be
// registered. The attribute cannot see the enclosing `impl`, so the message is rustc's: the build
// fails on the attribute rather than registering the handler under a wrong path.

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
