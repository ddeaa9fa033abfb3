// R4: handlers are free functions, not methods taking `self`.

struct Api;

impl Api {
    #[scopegate::endpoint(
        method = GET,
        path = "/organizations/{organization_id_or_slug}/",
        scopes = ["org:read"],
    )]
    fn organization_details(&self) {}
}

fn main() {}
