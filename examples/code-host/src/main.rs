//! `cargo run -p scopegate-example-code-host`: the code-host API on http://127.0.0.1:8002/ (in
//! memory, seeded; see `Service::seeded` for the tokens). `cargo run -p
//! scopegate-example-code-host -- registry --format md` prints its registry instead.

use std::process::ExitCode;

use scopegate_example_code_host::{Service, app, registry};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if scopegate::cli::is_command(&args) {
        return scopegate::cli::run(registry(), args);
    }
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:8002").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:8002: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "scopegate-example-code-host listening on http://127.0.0.1:8002/ ({} endpoints, {} scopes)",
        registry().len(),
        registry().config().vocabulary().scopes().len()
    );
    match axum::serve(listener, app(Service::seeded())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
