// R2: `authenticated` and `superuser` endpoints accept no scope, so a `readonly_exception` on them
// justifies nothing: a stale note that would hide the real policy debt.

#[scopegate::endpoint(
    method = POST,
    path = "/users/me/avatar/",
    authenticated = "Every user changes their own avatar.",
    readonly_exception = "Read-only tokens may upload avatars.",
)]
async fn upload_avatar() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/internal/caches/",
    superuser = "Only operators flush caches.",
    readonly_exception = "Legacy scripts flush with org:read.",
)]
async fn flush_caches() {}

fn main() {}
