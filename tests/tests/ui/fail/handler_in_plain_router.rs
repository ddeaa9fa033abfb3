// A declared handler runs only behind its own permission check: its name is not a function, so
// mounting it in a plain axum router — as a route or as the fallback — does not compile. (Its body,
// `secret::secret`, takes a `Checked<secret>` proof that only scopegate's router grants.)

use axum::routing::get;

#[scopegate::endpoint(method = GET, path = "/secret/", scopes = ["org:admin"])]
async fn secret() -> &'static str {
    "the secret"
}

fn main() {
    let _app: axum::Router = axum::Router::new().route("/secret/", get(secret));
    let _app: axum::Router = axum::Router::new().fallback(secret);
    let _direct = secret();
}
