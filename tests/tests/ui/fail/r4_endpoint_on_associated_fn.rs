// R4: handlers are free functions; an associated function in an `impl` block cannot be
// registered. An attribute macro cannot see the enclosing `impl`, so the message is rustc's, on the
// hidden declaration type the attribute emits beside the handler; its note names the runtime macro
// that emits it, `endpoint_handlers_must_be_free_functions`, and the help says where the handler
// belongs. The build fails on the attribute rather than registering the handler under a wrong path.

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
