//! Registry validation at startup: duplicates, router-ambiguous paths, unknown scopes and gates,
//! ungated endpoints in gated areas, and configurations beyond the engine's capacity. Every error
//! names the handlers with their file:line.

use scopegate::{
    Access, Bypass, Config, Endpoint, GateDef, Method, Registry, RegistryError, Source, Vocabulary,
};

#[allow(clippy::too_many_arguments)]
fn endpoint(
    handler: &'static str,
    method: Method,
    path: &'static str,
    scopes: &'static [&'static str],
    gate: Option<&'static str>,
    gate_exempt: Option<&'static str>,
    line: u32,
) -> &'static Endpoint {
    Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        gate,
        gate_exempt,
        source: Source { file: "src/api.rs", line },
        ..scopegate::__private::Declaration::new(
            handler,
            method,
            path,
            Access::Scopes(scopegate::Requirement::any(scopes)),
        )
    })))
}

fn plain(handler: &'static str, method: Method, path: &'static str, line: u32) -> &'static Endpoint {
    endpoint(handler, method, path, &["org:write"], None, None, line)
}

fn errors(endpoints: Vec<&'static Endpoint>) -> Vec<RegistryError> {
    match Registry::from_endpoints(Config::sentry(), endpoints) {
        Ok(r) => panic!("expected errors, got a registry of {} endpoints", r.len()),
        Err(e) => e,
    }
}

#[test]
fn duplicate_routes_name_both_handlers() {
    let errs = errors(vec![
        plain("api::a::update", Method::Put, "/organizations/{org}/", 10),
        plain("api::b::update", Method::Put, "/organizations/{org}/", 20),
        plain("api::b::details", Method::Get, "/organizations/{org}/", 30),
    ]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    assert!(msg.contains("PUT /organizations/{org}/ is declared twice"), "{msg}");
    assert!(msg.contains("api::a::update (src/api.rs:10)"), "{msg}");
    assert!(msg.contains("api::b::update (src/api.rs:20)"), "{msg}");
}

#[test]
fn router_ambiguous_paths_are_rejected() {
    let errs = errors(vec![
        plain("api::by_id", Method::Get, "/teams/{team_id}/", 1),
        plain("api::by_slug", Method::Get, "/teams/{team_slug}/", 2),
    ]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], RegistryError::Ambiguous { method: Method::Get, .. }), "{msg}");
    // Both handlers, with file:line.
    assert!(msg.contains("api::by_slug (src/api.rs:2)"), "{msg}");
    assert!(msg.contains("api::by_id (src/api.rs:1)"), "{msg}");
    // Different methods on the same template, and literal-vs-param siblings, are fine.
    let ok = Registry::from_endpoints(
        Config::sentry(),
        vec![
            plain("api::get", Method::Get, "/teams/{team}/", 1),
            plain("api::put", Method::Put, "/teams/{team}/", 2),
            plain("api::me", Method::Get, "/teams/me/", 3),
        ],
    );
    assert_eq!(ok.map(|r| r.len()).ok(), Some(3));
}

#[test]
fn templates_that_differ_only_in_parameter_names_conflict_across_methods() {
    // axum keeps one route per template whatever the method and panics on this pair.
    let errs = errors(vec![
        plain("api::details", Method::Get, "/teams/{team_id}/", 1),
        plain("api::update", Method::Put, "/teams/{team_slug}/", 2),
    ]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    assert!(matches!(errs[0], RegistryError::Ambiguous { method: Method::Put, .. }), "{msg}");
    assert!(
        msg.contains("api::details (src/api.rs:1)") && msg.contains("api::update (src/api.rs:2)"),
        "{msg}"
    );
}

#[test]
fn a_param_beside_a_catch_all_is_refused_as_axum_refuses_it() {
    let errs = errors(vec![
        plain("api::files", Method::Get, "/projects/{project}/files/{*path}", 1),
        plain("api::file", Method::Put, "/projects/{project}/files/{file_id}/", 2),
    ]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    // Sorted by path, `{*path}` comes before `{file_id}`: the parameter is the one refused.
    assert_eq!(
        msg,
        "PUT route of api::file (src/api.rs:2) conflicts with another endpoint: api::files (src/api.rs:1) \
         declares `/projects/{project}/files/{*path}`: a `{param}` and a `{*catch_all}` at the same \
         position, which axum's router cannot mount together"
    );
    // One level apart they are fine, as in axum.
    let ok = Registry::from_endpoints(
        Config::sentry(),
        vec![
            plain("api::files", Method::Get, "/projects/{project}/files/{*path}", 1),
            plain("api::file", Method::Put, "/projects/{project}/{file_id}/", 2),
        ],
    );
    assert_eq!(ok.map(|r| r.len()).ok(), Some(2));
}

#[test]
fn records_with_invalid_paths_are_refused() {
    // The macros refuse these templates; a record built by hand is checked by the registry.
    let errs = errors(vec![
        plain("api::broken", Method::Get, "/teams/{team/", 1),
        plain("api::relative", Method::Get, "teams/", 2),
        plain("api::twice", Method::Get, "/a/{x}/b/{x}/", 3),
    ]);
    let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(errs.iter().all(|e| matches!(e, RegistryError::InvalidPath { .. })), "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.starts_with("api::broken (src/api.rs:1) has an invalid path: ")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("appears twice")), "{msgs:?}");
}

#[test]
fn ungated_endpoints_in_gated_areas_are_reported() {
    let errs = errors(vec![
        endpoint(
            "api::replays",
            Method::Get,
            "/organizations/{org}/replays/",
            &["event:read"],
            None,
            None,
            7,
        ),
        endpoint(
            "api::gated",
            Method::Get,
            "/organizations/{org}/replays/{id}/",
            &["event:read"],
            Some("replay"),
            None,
            8,
        ),
        endpoint(
            "api::exempt",
            Method::Get,
            "/organizations/{org}/replays-count/replays/",
            &["event:read"],
            None,
            Some("Counts only; checked by the caller."),
            9,
        ),
    ]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(
        errs[0],
        RegistryError::Ungated {
            gate: "replay".to_string(),
            handler: "api::replays (src/api.rs:7)".to_string()
        }
    );
    assert!(errs[0].to_string().contains("add `gate = replay`"));
}

#[test]
fn unknown_scopes_and_gates_are_reported_together() {
    let errs = errors(vec![
        endpoint("api::a", Method::Get, "/a/", &["org:reed"], None, None, 1),
        endpoint("api::b", Method::Get, "/b/", &["org:read"], Some("profiling"), None, 2),
    ]);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter().any(|e| matches!(e, RegistryError::UnknownScope { scope, .. } if scope == "org:reed"))
    );
    assert!(errs.iter().any(|e| matches!(e, RegistryError::UnknownGate { gate, .. } if gate == "profiling")));
}

#[test]
fn configurations_beyond_capacity_are_errors_not_panics() {
    let vocabulary = |n: usize| -> &'static Config {
        let names: Vec<&'static str> =
            (0..n).map(|i| &*Box::leak(format!("s{i}:read").into_boxed_str())).collect();
        let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
        Box::leak(Box::new(Config::__new(Vocabulary::__new(names, &[], &[]), &[])))
    };
    assert!(Registry::from_endpoints(vocabulary(1024), Vec::new()).is_ok(), "1,024 scopes are supported");
    let errs = match Registry::from_endpoints(vocabulary(1025), Vec::new()) {
        Ok(_) => panic!("1,025 scopes must be rejected"),
        Err(e) => e,
    };
    assert_eq!(
        errs[0].to_string(),
        "unsupported configuration: the vocabulary holds 1025 scopes; scopegate supports at most 1024"
    );

    let bypass = Bypass { active_superuser: false, org_token_scope: None, integration_scope: None };
    let gates: Vec<GateDef> = (0..65)
        .map(|i| GateDef::__new(Box::leak(format!("g{i}").into_boxed_str()), "f", false, &[], bypass))
        .collect();
    let gates: &'static [GateDef] = Box::leak(gates.into_boxed_slice());
    let many: &'static Config =
        Box::leak(Box::new(Config::__new(Vocabulary::__new(&["a"], &[], &[]), gates)));
    let errs = match Registry::from_endpoints(many, Vec::new()) {
        Ok(_) => panic!("65 gates must be rejected"),
        Err(e) => e,
    };
    assert!(errs[0].to_string().contains("65 gates"), "{errs:?}");
}

#[test]
fn a_valid_registry_is_sorted_and_indexed() {
    let r = Registry::from_endpoints(
        Config::sentry(),
        vec![
            plain("api::z", Method::Get, "/z/", 1),
            plain("api::a_put", Method::Put, "/a/", 2),
            plain("api::a_get", Method::Get, "/a/", 3),
        ],
    )
    .expect("valid");
    let order: Vec<&str> = r.iter().map(|e| e.handler()).collect();
    assert_eq!(order, ["api::a_get", "api::a_put", "api::z"]);
    assert_eq!(r.by_handler("api::a_put").map(|e| e.method()), Some(Method::Put));
    assert_eq!(r.lookup(Method::Get, "/z/").map(|e| e.handler()), Some("api::z"));
    assert!(r.lookup(Method::Get, "/z").is_none());
    // The global registry is built once.
    assert!(std::ptr::eq(Registry::global(), Registry::global()));
}

#[test]
fn an_all_of_no_scope_is_refused_not_granted_to_everyone() {
    let empty = Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
        source: Source { file: "src/api.rs", line: 7 },
        ..scopegate::__private::Declaration::new(
            "api::attach",
            Method::Post,
            "/teams/{team}/repos/",
            Access::Scopes(scopegate::Requirement::all(&[])),
        )
    })));
    let errs = errors(vec![empty]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(matches!(errs[0], RegistryError::EmptyRequirement { .. }), "{errs:?}");
    assert_eq!(
        errs[0].to_string(),
        "api::attach (src/api.rs:7) requires all of no scope, which would let every signed-in caller in"
    );
}
