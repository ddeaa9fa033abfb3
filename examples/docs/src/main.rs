//! `cargo run -p scopegate-example-docs`: the document API on http://127.0.0.1:8001/v1/ (in memory,
//! seeded; see `Service::seeded` for the tokens), its OpenAPI spec at `/v1/openapi.json`.

use std::process::ExitCode;

use scopegate_example_docs::{BASE_PATH, Service, app, registry};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if scopegate::cli::is_command(&args) {
        return scopegate::cli::run(registry(), args);
    }
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:8001").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:8001: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "scopegate-example-docs listening on http://127.0.0.1:8001{BASE_PATH}/ ({} endpoints; spec at {BASE_PATH}/openapi.json)",
        registry().len()
    );
    match axum::serve(listener, app(Service::seeded())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
