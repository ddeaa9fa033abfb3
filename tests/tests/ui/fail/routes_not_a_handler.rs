// `routes!` names handler functions. A type of the same name that is not a declaration gets
// scopegate's own message.

struct Metrics;

fn main() {
    let _routes: scopegate::axum::Routes = scopegate::routes![Metrics];
}
