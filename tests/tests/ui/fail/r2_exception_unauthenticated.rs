// R2: an unauthenticated endpoint accepts no scope at all, so an exception is meaningless.

#[scopegate::endpoint(
    method = POST,
    path = "/auth/login/",
    unauthenticated = "Users log in without credentials.",
    readonly_exception = "Anyone may log in.",
)]
fn login() {}

fn main() {}
