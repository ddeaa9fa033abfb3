// `routes!` reaches a declaration and its body through one name, as a type: a local function
// beside a glob import of the declaration, or a closure bound to its name, is not what gets mounted
// (they are not even looked at). `runtime/tests/axum.rs` (`shadowing_names_cannot_swap_the_body`)
// shows over HTTP that the declared body answers.

mod declared {
    #[scopegate::endpoint(method = GET, path = "/shadowing/list/", unauthenticated = "test")]
    pub async fn list() -> &'static str {
        "declared"
    }
}

mod glob_and_local {
    #[allow(unused_imports)]
    use super::declared::*;

    #[allow(dead_code)]
    async fn list() -> &'static str {
        "undeclared local function"
    }

    pub fn routes() -> scopegate::axum::Routes {
        scopegate::routes![list]
    }
}

fn closure_routes() -> scopegate::axum::Routes {
    use declared::list;
    #[allow(unused_variables)]
    let list = || async { "undeclared closure" };
    scopegate::routes![list]
}

fn main() {
    for routes in [glob_and_local::routes(), closure_routes()] {
        let listed = format!("{routes:?}");
        assert!(listed.starts_with(r#"["GET /shadowing/list/ → "#), "{listed}");
        assert!(listed.ends_with(r#"::declared::list"]"#), "{listed}");
    }
}
