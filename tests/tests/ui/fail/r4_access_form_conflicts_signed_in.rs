// R4: exactly one access form. `authenticated` with `scopes` would be ambiguous (does the scope
// matter?); `superuser` with `unauthenticated` contradicts itself.

#[scopegate::endpoint(
    method = GET,
    path = "/users/me/",
    scopes = ["member:read"],
    authenticated = "Every user reads their own profile.",
)]
async fn user_details() {}

#[scopegate::endpoint(
    method = GET,
    path = "/internal/status/",
    superuser = "Operators only.",
    unauthenticated = "Anyone.",
)]
async fn status() {}

fn main() {}
