//! `cargo run -p scopegate-example-docs`: the document API on http://127.0.0.1:8001/ (in memory,
//! seeded; see `Service::seeded` for the tokens).

use std::process::ExitCode;

use scopegate_example_docs::{Service, app, registry};

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
    eprintln!("scopegate-example-docs listening on http://127.0.0.1:8001/ ({} endpoints)", registry().len());
    match axum::serve(listener, app(Service::seeded())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
