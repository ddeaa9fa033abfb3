// R2: a justification must say something, for the access forms without scopes too.

#[scopegate::endpoint(method = GET, path = "/users/me/", authenticated = "  ")]
async fn user_details() {}

#[scopegate::endpoint(method = PUT, path = "/internal/options/", superuser = "")]
async fn update_options() {}

fn main() {}
