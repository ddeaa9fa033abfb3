//! Registry dumps: the contract JSON shape, its schema, Markdown, the HTML matrix, OpenAPI 3.1, and
//! the `registry` subcommand. The endpoints below register in this test binary's global registry.

// The handlers exist for their registrations only; nothing calls them.
#![allow(dead_code)]

use std::collections::BTreeSet;

use scopegate::Registry;
use scopegate::cli::{Status, execute};
use scopegate::dump::{self, Format, OpenApiOptions};
use serde_json::{Value, json};

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    scopes = ["org:read", "org:write", "org:admin"],
    owner = "core",
    publish = public,
)]
fn organization_details() {}

#[scopegate::endpoint(
    method = DELETE,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:write", "org:admin"],
    owner = "dashboards",
    publish = public_experimental,
)]
fn delete_dashboard() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read", "org:write", "org:admin"],
    readonly_exception = "Members may edit dashboards they created | even without org:write.\nSee <b>policy</b> & notes.",
    sunset = "2027-01-31",
    owner = "dashboards",
    publish = public,
)]
fn update_dashboard() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
    scopes = ["org:read"],
    owner = "dashboards",
    publish = public,
)]
fn dashboard_details() {}

#[scopegate::permission(
    GET = ["org:read", "org:write"],
    POST = ["org:read", "org:write"],
    readonly_exceptions(POST = "Members may manage personal saved searches without org:write."),
    planned_scopes(POST = all("org:write", "member:read")),
    sunsets(POST = "2026-12-31"),
)]
struct SearchPermission;

#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/searches/",
    permission = SearchPermission,
    owner = "search",
)]
fn create_search() {}

/// A stated plan that moves to a new, narrower scope: it adds `alerts:write`.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/alert-rules/",
    scopes = ["alerts:read", "org:write"],
    readonly_exception = "Members may create alert rules for their projects.",
    planned_scopes = ["alerts:write"],
    owner = "alerts",
    publish = public,
)]
fn create_alert_rule() {}

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/replays/{replay_id}/",
    scopes = ["event:read", "event:admin"],
    owner = "replay",
    publish = public,
    gate = replay,
)]
fn replay_details() {}

#[scopegate::endpoint(
    method = GET,
    path = "/projects/{project_id}/replays/summary/",
    scopes = ["project:read"],
    owner = "replay",
    gate_exempt = "Aggregate counts only; no replay content.",
)]
fn replay_summary() {}

#[scopegate::endpoint(
    method = GET,
    path = "/health/",
    unauthenticated = "Load balancers <probe> it without credentials.",
    owner = "ops|<sre>",
    publish = experimental,
)]
fn health() {}

#[scopegate::endpoint(
    method = GET,
    path = "/files/{*rest}",
    scopes = ["project:read"],
    owner = "files",
    publish = public,
)]
fn download() {}

#[scopegate::endpoint(
    method = GET,
    path = "/users/me/",
    authenticated = "Every signed-in user reads their own profile.",
    owner = "accounts",
    publish = public,
)]
fn user_details() {}

#[scopegate::endpoint(
    method = PUT,
    path = "/internal/options/",
    superuser = "Instance-wide options are the operators' business.",
    owner = "ops",
    publish = public,
)]
fn update_options() {}

/// All of them together: an all-of requirement written on the endpoint.
#[scopegate::endpoint(
    method = PUT,
    path = "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
    scopes = all("member:write", "team:write"),
    owner = "core",
    publish = public,
)]
fn add_member_to_team() {}

/// An all-of requirement of read-only scopes on a mutation: a read-only token meets it, so it is
/// policy debt with a justification.
#[scopegate::endpoint(
    method = POST,
    path = "/organizations/{organization_id_or_slug}/members/{member_id}/reminders/",
    scopes = all("member:read", "team:read"),
    readonly_exception = "Teammates may nudge each other with read access only.",
    owner = "core",
    publish = public,
)]
fn remind_member() {}

#[scopegate::permission(POST = all("org:admin", "project:admin"))]
struct TransferPermission;

/// An all-of requirement through a permission class.
#[scopegate::endpoint(
    method = POST,
    path = "/projects/{project_id}/transfer/",
    permission = TransferPermission,
    owner = "core",
)]
fn transfer_project() {}

/// Published and needs no credentials: `security: []`.
#[scopegate::endpoint(
    method = GET,
    path = "/status/",
    unauthenticated = "Status pages are public.",
    owner = "ops",
    publish = public,
)]
fn status() {}

mod teams {
    #[scopegate::endpoint(method = GET, path = "/teams/", scopes = ["team:read"], owner = "core", publish = public)]
    pub(crate) fn list() {}
}

mod members {
    #[scopegate::endpoint(
        method = GET, path = "/members/", scopes = ["member:read"], owner = "core", publish = public,
    )]
    pub(crate) fn list() {}
}

fn registry() -> &'static Registry {
    Registry::global()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the dump is valid JSON")
}

/// The 1-based line of `fn name(` in this file (where the macro records the source).
fn line_of(name: &str) -> u64 {
    let needle = format!("fn {name}()");
    let index = include_str!("dump.rs").lines().position(|l| l.contains(&needle)).expect("declared here");
    index as u64 + 1
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn json_record_has_the_exact_contract_shape_with_nulls() {
    let text = dump::json(registry());
    let expected = format!(
        r#"    {{
      "handler": "dump::health",
      "method": "GET",
      "path": "/health/",
      "scopes": [],
      "scope_match": null,
      "readonly_scopes": [],
      "readonly_exception": null,
      "permission": null,
      "planned_scopes": null,
      "planned_scope_match": null,
      "sunset": null,
      "publish": "experimental",
      "owner": "ops|<sre>",
      "gate": null,
      "unauthenticated": "Load balancers <probe> it without credentials.",
      "authenticated": null,
      "superuser": null,
      "source": {{
        "file": "runtime/tests/dump.rs",
        "line": {}
      }}
    }}"#,
        line_of("health")
    );
    assert!(text.contains(&expected), "expected record not found in:\n{text}");
    assert!(text.starts_with("{\n  \"endpoints\": [\n"), "{text}");
    assert!(text.ends_with("}\n"));
}

#[test]
fn json_records_every_field_of_class_and_gated_endpoints() {
    let value = parse(&dump::json(registry()));
    let endpoints = value["endpoints"].as_array().expect("array");
    let by_handler = |h: &str| {
        endpoints.iter().find(|e| e["handler"] == format!("dump::{h}")).cloned().expect("endpoint dumped")
    };
    assert_eq!(
        by_handler("create_search"),
        json!({
            "handler": "dump::create_search",
            "method": "POST",
            "path": "/organizations/{organization_id_or_slug}/searches/",
            "scopes": ["org:read", "org:write"],
            "scope_match": "any",
            "readonly_scopes": ["org:read"],
            "readonly_exception": "Members may manage personal saved searches without org:write.",
            "permission": "SearchPermission",
            "planned_scopes": ["org:write", "member:read"],
            "planned_scope_match": "all",
            "sunset": "2026-12-31",
            "publish": "private",
            "owner": "search",
            "gate": null,
            "unauthenticated": null,
            "authenticated": null,
            "superuser": null,
            "source": {"file": "runtime/tests/dump.rs", "line": line_of("create_search")},
        })
    );
    let me = by_handler("user_details");
    assert_eq!(
        (&me["scopes"], &me["scope_match"], &me["authenticated"], &me["superuser"]),
        (&json!([]), &Value::Null, &json!("Every signed-in user reads their own profile."), &Value::Null)
    );
    let options = by_handler("update_options");
    assert_eq!(
        (&options["authenticated"], &options["superuser"]),
        (&Value::Null, &json!("Instance-wide options are the operators' business."))
    );
    let replay = by_handler("replay_details");
    assert_eq!(replay["gate"], "replay");
    assert_eq!(replay["readonly_scopes"], json!(["event:read"]));
    // A safe method with read-only scopes carries no exception.
    assert_eq!(replay["readonly_exception"], Value::Null);
    assert_eq!(
        by_handler("update_dashboard")["readonly_exception"].as_str().map(|s| s.contains('\n')),
        Some(true)
    );
    assert_eq!(by_handler("replay_summary")["gate"], Value::Null);
    // Every record has exactly the contract keys.
    let keys: BTreeSet<&str> = [
        "handler",
        "method",
        "path",
        "scopes",
        "scope_match",
        "readonly_scopes",
        "readonly_exception",
        "permission",
        "planned_scopes",
        "planned_scope_match",
        "sunset",
        "publish",
        "owner",
        "gate",
        "unauthenticated",
        "authenticated",
        "superuser",
        "source",
    ]
    .into_iter()
    .collect();
    for e in endpoints {
        let got: BTreeSet<&str> = e.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(got, keys);
    }
}

#[test]
fn json_records_all_of_requirements_with_their_scope_match() {
    let value = parse(&dump::json(registry()));
    let endpoints = value["endpoints"].as_array().expect("array");
    let by_handler = |h: &str| {
        endpoints.iter().find(|e| e["handler"] == format!("dump::{h}")).cloned().expect("endpoint dumped")
    };
    assert_eq!(
        by_handler("add_member_to_team"),
        json!({
            "handler": "dump::add_member_to_team",
            "method": "PUT",
            "path": "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
            "scopes": ["member:write", "team:write"],
            "scope_match": "all",
            "readonly_scopes": [],
            "readonly_exception": null,
            "permission": null,
            "planned_scopes": null,
            "planned_scope_match": null,
            "sunset": null,
            "publish": "public",
            "owner": "core",
            "gate": null,
            "unauthenticated": null,
            "authenticated": null,
            "superuser": null,
            "source": {"file": "runtime/tests/dump.rs", "line": line_of("add_member_to_team")},
        })
    );
    // Every scope of an all-of list of read-only scopes lets read-only credentials in: the debt.
    let remind = by_handler("remind_member");
    assert_eq!(
        (&remind["scope_match"], &remind["readonly_scopes"]),
        (&json!("all"), &json!(["member:read", "team:read"]))
    );
    assert_eq!(remind["readonly_exception"], "Teammates may nudge each other with read access only.");
    // Its default plan keeps none of its (read-only) scopes: an any-of list of none, which denies
    // every request.
    assert_eq!((&remind["planned_scopes"], &remind["planned_scope_match"]), (&json!([]), &json!("any")));
    // Through a permission class.
    let transfer = by_handler("transfer_project");
    assert_eq!(
        (&transfer["scopes"], &transfer["scope_match"], &transfer["permission"]),
        (&json!(["org:admin", "project:admin"]), &json!("all"), &json!("TransferPermission"))
    );
    // `scope_match` follows `scopes` in every record (the contract's key order), and is null
    // exactly where there are no scopes.
    let text = dump::json(registry());
    assert_eq!(text.matches("\"scopes\": ").count(), text.matches("\"scope_match\": ").count());
    for record in text.split("\n    {\n").skip(1) {
        let scopes = record.find("\"scopes\": ").expect("scopes");
        let scope_match = record.find("\"scope_match\": ").expect("scope_match");
        let readonly = record.find("\"readonly_scopes\": ").expect("readonly_scopes");
        assert!(scopes < scope_match && scope_match < readonly, "{record}");
    }
    for e in endpoints {
        let empty = e["scopes"].as_array().expect("scopes").is_empty();
        assert_eq!(e["scope_match"].is_null(), empty, "{e}");
        if !empty {
            assert!(e["scope_match"] == "any" || e["scope_match"] == "all", "{e}");
        }
    }
}

#[test]
fn json_records_planned_policies_and_sunsets() {
    let value = parse(&dump::json(registry()));
    let endpoints = value["endpoints"].as_array().expect("array");
    let by_handler = |h: &str| {
        endpoints.iter().find(|e| e["handler"] == format!("dump::{h}")).cloned().expect("endpoint dumped")
    };
    let plan_of = |h: &str| {
        let e = by_handler(h);
        (e["planned_scopes"].clone(), e["planned_scope_match"].clone(), e["sunset"].clone())
    };
    // The default plan: the requirement without its read-only scopes.
    assert_eq!(
        plan_of("update_dashboard"),
        (json!(["org:write", "org:admin"]), json!("any"), json!("2027-01-31"))
    );
    // A stated plan, naming a scope the current policy does not accept yet.
    assert_eq!(plan_of("create_alert_rule"), (json!(["alerts:write"]), json!("any"), Value::Null));
    // A class's plan (all-of) and sunset for the method.
    assert_eq!(
        plan_of("create_search"),
        (json!(["org:write", "member:read"]), json!("all"), json!("2026-12-31"))
    );
    // No debt, no plan: a safe method with a read-only scope, a mutation without one.
    assert_eq!(plan_of("replay_details"), (Value::Null, Value::Null, Value::Null));
    assert_eq!(plan_of("delete_dashboard"), (Value::Null, Value::Null, Value::Null));
    // Exactly the endpoints with a read-only exception have a plan, and a plan has its match.
    for e in endpoints {
        assert_eq!(e["planned_scopes"].is_null(), e["readonly_exception"].is_null(), "{e}");
        assert_eq!(e["planned_scopes"].is_null(), e["planned_scope_match"].is_null(), "{e}");
    }
    // The contract's key order: ..., permission, planned_scopes, planned_scope_match, sunset, publish, ...
    let text = dump::json(registry());
    for record in text.split("\n    {\n").skip(1) {
        let at =
            |key: &str| record.find(&format!("\"{key}\": ")).unwrap_or_else(|| panic!("{key} in {record}"));
        let order = ["permission", "planned_scopes", "planned_scope_match", "sunset", "publish"].map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{record}");
    }
}

#[test]
fn json_is_sorted_by_path_then_method_and_stable() {
    let text = dump::json(registry());
    assert_eq!(text, dump::json(registry()), "two dumps of one registry must be identical");
    let value = parse(&text);
    let order: Vec<(String, String)> = value["endpoints"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (e["path"].as_str().expect("path").to_string(), e["method"].as_str().expect("m").to_string())
        })
        .collect();
    assert_eq!(order.len(), registry().len());
    let method_rank =
        |m: &str| ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"].iter().position(|x| *x == m);
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| (&a.0, method_rank(&a.1)).cmp(&(&b.0, method_rank(&b.1))));
    assert_eq!(order, sorted);
    let dashboards: Vec<&str> = order
        .iter()
        .filter(|(p, _)| p.ends_with("/dashboards/{dashboard_id}/"))
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(dashboards, ["GET", "PUT", "DELETE"]);
    assert_eq!(order.first().map(|(p, _)| p.as_str()), Some("/files/{*rest}"));
}

fn registry_schema() -> jsonschema::Validator {
    let schema: Value = parse(dump::JSON_SCHEMA);
    jsonschema::meta::validate(&schema).expect("the registry schema is a valid draft 2020-12 schema");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn json_dump_validates_against_the_shipped_schema() {
    let schema_file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/registry.schema.json"))
            .expect("schema file");
    assert_eq!(schema_file, dump::JSON_SCHEMA);
    let validator = registry_schema();
    let value = parse(&dump::json(registry()));
    assert_eq!(errors(&validator, &value), Vec::<String>::new());
}

#[test]
fn schema_rejects_omitted_nulls_unknown_keys_and_bad_values() {
    let validator = registry_schema();
    let value = parse(&dump::json(registry()));
    let mutate = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut v = value.clone();
        let first = v["endpoints"][0].as_object_mut().expect("object");
        f(first);
        v
    };
    let omitted = mutate(&|e| {
        e.remove("gate");
    });
    assert!(!validator.is_valid(&omitted), "an omitted null must be rejected");
    let extra = mutate(&|e| {
        e.insert("gate_exempt".into(), Value::Null);
    });
    assert!(!validator.is_valid(&extra));
    let bad_method = mutate(&|e| {
        e.insert("method".into(), json!("FETCH"));
    });
    assert!(!validator.is_valid(&bad_method));
    let bad_line = mutate(&|e| {
        e.insert("source".into(), json!({"file": "x.rs", "line": 0}));
    });
    assert!(!validator.is_valid(&bad_line));
    // `scope_match`: required, one of the two keywords where there are scopes, null where there are none.
    let no_match = mutate(&|e| {
        e.remove("scope_match");
    });
    assert!(!validator.is_valid(&no_match), "scope_match is required");
    let scoped = mutate(&|e| {
        e.insert("scopes".into(), json!(["org:read"]));
        e.insert("scope_match".into(), json!("some"));
    });
    assert!(!validator.is_valid(&scoped), "scope_match is any or all");
    let scoped = mutate(&|e| {
        e.insert("scopes".into(), json!(["org:read"]));
        e.insert("scope_match".into(), Value::Null);
    });
    assert!(!validator.is_valid(&scoped), "scopes need a scope_match");
    let unscoped = mutate(&|e| {
        e.insert("scopes".into(), json!([]));
        e.insert("readonly_scopes".into(), json!([]));
        e.insert("scope_match".into(), json!("all"));
    });
    assert!(!validator.is_valid(&unscoped), "no scopes, no scope_match");
    let all_of = mutate(&|e| {
        e.insert("scopes".into(), json!(["member:write", "team:write"]));
        e.insert("scope_match".into(), json!("all"));
    });
    assert!(validator.is_valid(&all_of), "{:?}", errors(&validator, &all_of));
    assert!(!validator.is_valid(&json!({"endpoints": {}})));
    assert!(validator.is_valid(&json!({"endpoints": []})));

    // The plan and the sunset: required, a plan has its match, a sunset is a date.
    for key in ["planned_scopes", "planned_scope_match", "sunset"] {
        let omitted = mutate(&|e| {
            e.remove(key);
        });
        assert!(!validator.is_valid(&omitted), "{key} is required");
    }
    let planned = mutate(&|e| {
        e.insert("planned_scopes".into(), json!(["org:write"]));
        e.insert("planned_scope_match".into(), json!("any"));
        e.insert("sunset".into(), json!("2027-01-31"));
    });
    assert!(validator.is_valid(&planned), "{:?}", errors(&validator, &planned));
    let empty_plan = mutate(&|e| {
        e.insert("planned_scopes".into(), json!([]));
        e.insert("planned_scope_match".into(), json!("any"));
    });
    assert!(validator.is_valid(&empty_plan), "{:?}", errors(&validator, &empty_plan));
    let unmatched = mutate(&|e| {
        e.insert("planned_scopes".into(), json!(["org:write"]));
        e.insert("planned_scope_match".into(), Value::Null);
    });
    assert!(!validator.is_valid(&unmatched), "a plan needs its planned_scope_match");
    let stray = mutate(&|e| {
        e.insert("planned_scopes".into(), Value::Null);
        e.insert("planned_scope_match".into(), json!("all"));
    });
    assert!(!validator.is_valid(&stray), "no plan, no planned_scope_match");
    let some = mutate(&|e| {
        e.insert("planned_scopes".into(), json!(["org:write"]));
        e.insert("planned_scope_match".into(), json!("some"));
    });
    assert!(!validator.is_valid(&some));
    for bad in [json!("31/01/2027"), json!("2027-1-31"), json!(20270131)] {
        let sunset = mutate(&|e| {
            e.insert("sunset".into(), bad.clone());
        });
        assert!(!validator.is_valid(&sunset), "sunset {bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/// Splits a table row on unescaped `|`.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cell = cells.last_mut().expect("cell");
                cell.push(c);
                if let Some(n) = chars.next() {
                    cell.push(n);
                }
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("cell").push(c),
        }
    }
    // Drop the empty text before the first and after the last pipe.
    cells.remove(0);
    cells.pop();
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

#[test]
fn markdown_has_one_table_per_sorted_owner() {
    let md = dump::markdown(registry());
    let headings: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    assert_eq!(
        headings,
        ["accounts", "alerts", "core", "dashboards", "files", "ops", "ops\\|&lt;sre&gt;", "replay", "search"]
    );
    assert!(
        md.contains("any signed-in caller (authenticated: Every signed-in user reads their own profile.)"),
        "{md}"
    );
    assert!(md.contains("active superusers (superuser: Instance-wide options"), "{md}");
    let header = "| Method | Path | Scopes | Read-only exception | Gate | Publish | Handler |";
    assert_eq!(md.matches(header).count(), headings.len());
    // Every data row has exactly seven cells, so escaping kept the table intact.
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), registry().len());
    for row in &rows {
        assert_eq!(cells(row).len(), 7, "{row}");
    }
}

#[test]
fn markdown_escapes_pipes_newlines_and_html() {
    let md = dump::markdown(registry());
    let row = md.lines().find(|l| l.contains("dump::update_dashboard")).expect("row");
    let c = cells(row);
    assert_eq!(c[0], "`PUT`");
    assert_eq!(c[1], "`/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/`");
    assert_eq!(c[2], "`org:read` (read-only), `org:write`, `org:admin`");
    assert_eq!(
        c[3],
        "Members may edit dashboards they created \\| even without org:write.<br>See &lt;b&gt;policy&lt;/b&gt; &amp; notes.\
         <br>Planned: `org:write`, `org:admin`; adds nothing, drops `org:read`<br>Sunset: 2027-01-31"
    );
    assert_eq!(c[4], "—");
    assert_eq!(c[5], "public");
    assert_eq!(c[6], "`dump::update_dashboard`");
    assert!(!md.contains("<b>"));

    let health = cells(md.lines().find(|l| l.contains("dump::health")).expect("row"));
    assert_eq!(health[2], "none (unauthenticated: Load balancers &lt;probe&gt; it without credentials.)");
    let summary = cells(md.lines().find(|l| l.contains("dump::replay_summary")).expect("row"));
    assert_eq!(summary[4], "exempt: Aggregate counts only; no replay content.");
    let search = cells(md.lines().find(|l| l.contains("dump::create_search")).expect("row"));
    assert_eq!(search[2], "`org:read` (read-only), `org:write` via `SearchPermission`");
    let replay = cells(md.lines().find(|l| l.contains("dump::replay_details")).expect("row"));
    assert_eq!(replay[4], "`replay`");
}

#[test]
fn markdown_shows_each_plan_with_what_it_adds_and_drops_and_the_sunset() {
    let md = dump::markdown(registry());
    let exception_of = |handler: &str| {
        let row = md.lines().find(|l| l.contains(&format!("`dump::{handler}`"))).expect("row");
        cells(row)[3].clone()
    };
    assert_eq!(
        exception_of("create_alert_rule"),
        "Members may create alert rules for their projects.\
         <br>Planned: `alerts:write`; adds `alerts:write`, drops `alerts:read`, `org:write`"
    );
    assert_eq!(
        exception_of("create_search"),
        "Members may manage personal saved searches without org:write.\
         <br>Planned: all of: `org:write` + `member:read`; adds `member:read`, drops `org:read`\
         <br>Sunset: 2026-12-31"
    );
    assert_eq!(
        exception_of("remind_member"),
        "Teammates may nudge each other with read access only.\
         <br>Planned: none (denies every request); adds nothing, drops `member:read`, `team:read`"
    );
    // Without debt, nothing is planned.
    assert_eq!(exception_of("dashboard_details"), "—");
    assert_eq!(md.matches("Planned: ").count(), 4);
}

#[test]
fn markdown_writes_all_of_requirements_as_all_of() {
    let md = dump::markdown(registry());
    let scopes_of = |handler: &str| {
        let row = md.lines().find(|l| l.contains(&format!("`dump::{handler}`"))).expect("row");
        cells(row)[2].clone()
    };
    assert_eq!(scopes_of("add_member_to_team"), "all of: `member:write` + `team:write`");
    assert_eq!(scopes_of("remind_member"), "all of: `member:read` (read-only) + `team:read` (read-only)");
    assert_eq!(
        scopes_of("transfer_project"),
        "all of: `org:admin` + `project:admin` via `TransferPermission`"
    );
    // Any-of lists read as before.
    assert_eq!(scopes_of("organization_details"), "`org:read` (read-only), `org:write`, `org:admin`");
    // The all-of list of read-only scopes on a mutation counts as debt, beside the three any-of ones.
    assert!(md.contains(", 4 accepting read-only scopes on a mutation (policy debt)."), "{md}");
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

#[test]
fn html_is_self_contained_and_escaped() {
    let page = dump::html(registry());
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.trim_end().ends_with("</html>"));
    for external in ["src=", "href=", "http://", "https://", "@import", "url("] {
        assert!(!page.contains(external), "external resource marker {external:?} in the page");
    }
    assert_eq!(page.matches("<style>").count(), 1);
    assert_eq!(page.matches("<script>").count(), 1);
    // User text never reaches the page unescaped.
    for raw in ["<b>", "<probe>", "<sre>", "ops|<"] {
        assert!(!page.contains(raw), "{raw:?} not escaped");
    }
    assert!(page.contains("See &lt;b&gt;policy&lt;/b&gt; &amp; notes."));
    assert!(page.contains("data-owner=\"ops|&lt;sre&gt;\""));
    assert!(page.contains("<option value=\"ops|&lt;sre&gt;\">ops|&lt;sre&gt;</option>"));
    // Balanced table structure.
    assert_eq!(page.matches("<tr").count(), page.matches("</tr>").count());
    assert_eq!(page.matches("<td").count(), page.matches("</td>").count());
}

#[test]
fn html_matrix_has_a_column_per_scope_and_marks_grants() {
    let page = dump::html(registry());
    let vocab = registry().config().vocabulary();
    let header_cells = page.matches("<th class=\"scope").count();
    assert_eq!(header_cells, vocab.scopes().len());
    let mut last = 0;
    for scope in vocab.scopes() {
        let at = page.find(&format!("<span>{scope}</span>")).expect("scope column");
        assert!(at > last, "columns follow the vocabulary order");
        last = at;
    }
    assert_eq!(page.matches("<th class=\"scope ro\"").count(), vocab.readonly().len());

    let rows: Vec<&str> = page.lines().filter(|l| l.starts_with("<tr class=")).collect();
    assert_eq!(rows.len(), registry().len());
    for row in &rows {
        assert_eq!(row.matches("<td class=\"c").count(), vocab.scopes().len(), "{row}");
    }
    let put = rows.iter().find(|r| r.contains("dump::update_dashboard")).expect("row");
    assert!(put.starts_with("<tr class=\"debt\""));
    assert!(put.contains("title=\"Read-only exception: Members may edit dashboards they created | even"));
    assert!(put.contains("<strong>Read-only exception</strong> (org:read)"));
    assert!(put.contains("<td class=\"c grant ro\" title=\"org:read grants PUT "));
    assert!(put.contains("<td class=\"c grant\" title=\"org:write grants PUT "));
    // Only the mutations that accept read-only scopes are policy debt.
    assert_eq!(rows.iter().filter(|r| r.starts_with("<tr class=\"debt")).count(), 4);
    let get = rows.iter().find(|r| r.contains("dump::dashboard_details")).expect("row");
    assert!(!get.starts_with("<tr class=\"debt"));
    // org:read is the only accepted scope; tokens with org:write or org:admin reach it through the hierarchy.
    assert_eq!(get.matches("class=\"c grant").count(), 1);
    assert!(get.contains("title=\"a token with org:write also holds org:read"));
    assert!(get.contains("title=\"a token with org:admin also holds org:read"));
    let health = rows.iter().find(|r| r.contains("dump::health")).expect("row");
    assert!(health.contains("<strong>No credentials</strong>"));
    assert!(!health.contains("●"));
}

#[test]
fn html_shows_each_plan_with_what_it_adds_and_drops_and_the_sunset() {
    let page = dump::html(registry());
    let row = |handler: &str| {
        page.lines()
            .find(|l| l.starts_with("<tr class=") && l.contains(&format!(">dump::{handler}<")))
            .expect("row")
            .to_string()
    };
    let put = row("update_dashboard");
    assert!(
        put.contains(
            "<div class=\"note plan\"><strong>Planned</strong>: org:write, org:admin; adds nothing, drops org:read</div>\
             <div class=\"note sunset\"><strong>Sunset</strong>: 2027-01-31</div>"
        ),
        "{put}"
    );
    assert!(row("create_alert_rule").contains(
        "<strong>Planned</strong>: alerts:write; adds alerts:write, drops alerts:read, org:write</div>"
    ));
    assert!(row("create_search").contains(
        "<strong>Planned</strong>: all of org:write + member:read; adds member:read, drops org:read</div>"
    ));
    assert!(row("remind_member").contains("<strong>Planned</strong>: none (denies every request); adds nothing, drops member:read, team:read</div>"));
    assert!(!row("create_alert_rule").contains("Sunset"));
    assert!(!row("dashboard_details").contains("note plan"));
    assert_eq!(page.matches("<div class=\"note plan\">").count(), 4);
}

#[test]
fn html_matrix_tells_all_of_requirements_from_any_of_ones() {
    let page = dump::html(registry());
    assert!(page.contains(
        "<span class=\"c grant all\">◆</span> required scope of an endpoint that needs all of these together"
    ));
    let rows: Vec<&str> = page.lines().filter(|l| l.starts_with("<tr class=")).collect();
    let row = |handler: &str| *rows.iter().find(|r| r.contains(&format!(">dump::{handler}<"))).expect("row");

    let add = row("add_member_to_team");
    assert!(add.starts_with("<tr class=\"all-of\""), "{add}");
    assert!(add.contains("<strong>All of these together</strong>: member:write + team:write"), "{add}");
    // Its scopes are marked as parts of one requirement, never as grants on their own.
    assert_eq!(add.matches("●").count() + add.matches("○").count(), 0, "{add}");
    assert_eq!(add.matches(">◆<").count(), 2);
    assert!(add.contains(
        "<td class=\"c grant all\" title=\"member:write grants PUT /organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/ only together with team:write (all of them are needed)\">◆</td>"
    ), "{add}");
    assert!(
        add.contains("title=\"a token with team:admin also holds team:write, one of the scopes PUT "),
        "{add}"
    );
    assert!(!add.contains(
        " grants PUT /organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/\""
    ));

    // An all-of list of read-only scopes on a mutation is debt; one read-only scope beside a
    // write scope would not be.
    let remind = row("remind_member");
    assert!(remind.starts_with("<tr class=\"debt all-of\""), "{remind}");
    assert!(remind.contains("<strong>Read-only exception</strong> (member:read, team:read)"), "{remind}");
    assert!(remind.contains("<td class=\"c grant all ro\" title=\"member:read grants POST "), "{remind}");
    assert!(
        remind.contains(
            "only together with team:read (all of them are needed); read-only scopes on a mutation"
        )
    );

    let transfer = row("transfer_project");
    assert!(transfer.starts_with("<tr class=\"all-of\""), "{transfer}");
    assert!(transfer.contains("scopes via TransferPermission"));

    // Any-of rows keep their marks.
    let details = row("organization_details");
    assert!(!details.contains("all-of") && !details.contains("◆"), "{details}");
    assert!(details.contains("<td class=\"c grant ro\" title=\"org:read grants GET /organizations/{organization_id_or_slug}/\">●</td>"));
}

#[test]
fn html_filters_list_every_owner_gate_and_publish_level() {
    let page = dump::html(registry());
    for id in ["f-owner", "f-gate", "f-publish", "f-debt"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    for owner in ["core", "dashboards", "files", "replay", "search"] {
        assert!(page.contains(&format!("<option value=\"{owner}\">{owner}</option>")));
    }
    assert!(page.contains("<option value=\"-\">(none)</option><option value=\"replay\">replay</option>"));
    for level in ["private", "experimental", "public_experimental", "public"] {
        assert!(page.contains(&format!("<option value=\"{level}\">{level}</option>")));
    }
    assert!(page.contains("data-gate=\"replay\""));
    assert!(page.contains("data-publish=\"public_experimental\""));
}

// ---------------------------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------------------------

fn openapi_validator() -> jsonschema::Validator {
    let schema = parse(include_str!("data/openapi-3.1-schema.json"));
    assert_eq!(schema["$id"], "https://spec.openapis.org/oas/3.1/schema/2022-10-07");
    jsonschema::draft202012::new(&schema).expect("the OpenAPI 3.1 schema compiles")
}

#[test]
fn openapi_validates_against_the_official_schema() {
    let validator = openapi_validator();
    let doc = dump::openapi(registry(), &OpenApiOptions::default());
    assert_eq!(errors(&validator, &doc), Vec::<String>::new());
    let oauth = OpenApiOptions {
        title: "Acme".into(),
        version: "1.2.3".into(),
        description: Some("The Acme API".into()),
        oauth2: Some((
            "https://acme.example/oauth/authorize/".into(),
            "https://acme.example/oauth/token/".into(),
        )),
        servers: vec!["/api/0".into(), "https://acme.example/api/0".into()],
    };
    let doc = dump::openapi(registry(), &oauth);
    assert_eq!(errors(&validator, &doc), Vec::<String>::new());
    let scheme = &doc["components"]["securitySchemes"]["auth_token"];
    assert_eq!(scheme["type"], "oauth2");
    let scopes = scheme["flows"]["authorizationCode"]["scopes"].as_object().expect("scopes");
    assert_eq!(scopes.len(), registry().config().vocabulary().scopes().len());
    assert_eq!(doc["info"]["title"], "Acme");

    // The validator is not vacuous: a broken document fails.
    let mut broken = doc.clone();
    broken.as_object_mut().expect("object").remove("info");
    assert!(!validator.is_valid(&broken));
    let mut broken = doc;
    broken["paths"]["/teams/"]["get"]["responses"] = json!({});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn openapi_lists_only_published_endpoints_with_policy_extensions() {
    let doc = dump::openapi(registry(), &OpenApiOptions::default());
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "/files/{rest}",
            "/internal/options/",
            "/members/",
            "/organizations/{organization_id_or_slug}/",
            "/organizations/{organization_id_or_slug}/alert-rules/",
            "/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/",
            "/organizations/{organization_id_or_slug}/members/{member_id}/reminders/",
            "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
            "/organizations/{organization_id_or_slug}/replays/{replay_id}/",
            "/status/",
            "/teams/",
            "/users/me/",
        ]
    );
    // Signed-in without a scope: the scheme with no scope listed; superusers: marked.
    let me = &paths["/users/me/"]["get"];
    assert_eq!(me["security"], json!([{"auth_token": []}]));
    assert!(me["description"].as_str().is_some_and(|d| d.starts_with("Any signed-in caller")));
    let options = &paths["/internal/options/"]["put"];
    assert_eq!(options["security"], json!([{"auth_token": []}]));
    assert_eq!(options["x-scopegate-superuser"], true);
    let dash = &paths["/organizations/{organization_id_or_slug}/dashboards/{dashboard_id}/"];
    assert_eq!(
        dash["parameters"],
        json!([
            {"name": "organization_id_or_slug", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "dashboard_id", "in": "path", "required": true, "schema": {"type": "string"}},
        ])
    );
    let put = &dash["put"];
    assert_eq!(put["operationId"], "update_dashboard");
    assert_eq!(put["tags"], json!(["dashboards"]));
    // Any one of the scopes grants access: one requirement per scope (a requirement's scopes are
    // ANDed, the requirements ORed).
    assert_eq!(
        put["security"],
        json!([{"auth_token": ["org:read"]}, {"auth_token": ["org:write"]}, {"auth_token": ["org:admin"]}])
    );
    assert!(
        put["x-readonly-exception"].as_str().is_some_and(|s| s.starts_with("Members may edit dashboards"))
    );
    assert_eq!(put.get("x-experimental"), None);
    // The exception's plan, what it adds and drops, and its sunset.
    assert_eq!(
        put["x-planned-scopes"],
        json!({"scopes": ["org:write", "org:admin"], "scope_match": "any", "adds": [], "drops": ["org:read"]})
    );
    assert_eq!(put["x-sunset"], "2027-01-31");
    let alerts = &paths["/organizations/{organization_id_or_slug}/alert-rules/"]["post"];
    assert_eq!(
        alerts["x-planned-scopes"],
        json!({"scopes": ["alerts:write"], "scope_match": "any", "adds": ["alerts:write"], "drops": ["alerts:read", "org:write"]})
    );
    assert_eq!(alerts.get("x-sunset"), None);
    let remind = &paths["/organizations/{organization_id_or_slug}/members/{member_id}/reminders/"]["post"];
    assert_eq!(
        remind["x-planned-scopes"],
        json!({"scopes": [], "scope_match": "any", "adds": [], "drops": ["member:read", "team:read"]})
    );
    for code in ["401", "403", "404"] {
        let reference = put["responses"][code]["$ref"].as_str().expect("ref");
        let name = reference.strip_prefix("#/components/responses/").expect("local ref");
        let response = &doc["components"]["responses"][name];
        assert_eq!(response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error");
    }
    assert!(put["responses"]["default"]["description"].is_string());
    assert_eq!(dash["delete"]["x-experimental"], true);
    assert_eq!(dash["get"].get("x-readonly-exception"), None);
    assert_eq!(dash["get"].get("x-planned-scopes"), None);
    assert_eq!(dash["get"].get("x-sunset"), None);
    assert_eq!(dash["delete"].get("x-planned-scopes"), None);
    assert_eq!(
        paths["/organizations/{organization_id_or_slug}/replays/{replay_id}/"]["get"]["x-scopegate-gate"],
        "replay"
    );
    assert_eq!(paths["/files/{rest}"]["parameters"][0]["name"], "rest");

    // Two published handlers named `list`: operationIds fall back to the full handler path.
    assert_eq!(paths["/teams/"]["get"]["operationId"], "dump.teams.list");
    assert_eq!(paths["/members/"]["get"]["operationId"], "dump.members.list");

    let scheme = &doc["components"]["securitySchemes"]["auth_token"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    let listed: Vec<&str> = scheme["x-scopes"].as_object().expect("map").keys().map(String::as_str).collect();
    let mut vocab: Vec<&str> = registry().config().vocabulary().scopes().to_vec();
    vocab.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, vocab);
    let tags: Vec<&str> =
        doc["tags"].as_array().expect("tags").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(tags, ["accounts", "alerts", "core", "dashboards", "files", "ops", "replay"]);

    let operation_ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().expect("item").iter())
        .filter(|(k, _)| *k != "parameters")
        .filter_map(|(_, op)| op["operationId"].as_str())
        .collect();
    let unique: BTreeSet<&str> = operation_ids.iter().copied().collect();
    assert_eq!(unique.len(), operation_ids.len(), "operationIds are unique");
}

#[test]
fn openapi_security_means_what_is_enforced() {
    // OpenAPI ANDs the scopes of one security requirement object and ORs the objects.
    let doc = dump::openapi(registry(), &OpenApiOptions::default());
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    // Any one of the scopes: one requirement per scope.
    assert_eq!(
        security("/organizations/{organization_id_or_slug}/", "get"),
        json!([{"auth_token": ["org:read"]}, {"auth_token": ["org:write"]}, {"auth_token": ["org:admin"]}])
    );
    assert_eq!(security("/teams/", "get"), json!([{"auth_token": ["team:read"]}]));
    // All of the scopes together: one requirement holding every scope.
    assert_eq!(
        security(
            "/organizations/{organization_id_or_slug}/members/{member_id}/teams/{team_id_or_slug}/",
            "put"
        ),
        json!([{"auth_token": ["member:write", "team:write"]}])
    );
    assert_eq!(
        security("/organizations/{organization_id_or_slug}/members/{member_id}/reminders/", "post"),
        json!([{"auth_token": ["member:read", "team:read"]}])
    );
    // No credentials: no requirement at all (an empty list, not an empty requirement, which
    // would still ask for the scheme).
    assert_eq!(security("/status/", "get"), json!([]));
    let status = &doc["paths"]["/status/"]["get"];
    assert!(status["responses"].get("401").is_none(), "{status}");
    // A signed-in caller without a scope: the scheme, no scope.
    assert_eq!(security("/users/me/", "get"), json!([{"auth_token": []}]));
    assert_eq!(security("/internal/options/", "put"), json!([{"auth_token": []}]));

    // The scheme and the error body say how to read them.
    let description =
        doc["components"]["securitySchemes"]["auth_token"]["description"].as_str().expect("text");
    assert!(description.contains("lists scopes the token needs together"), "{description}");
    let error = &doc["components"]["schemas"]["Error"]["properties"];
    assert_eq!(error["scope_match"]["enum"], json!(["any", "all"]));

    // A class's all-of requirement, once published, the same way.
    let records: &'static [scopegate::Endpoint] = Box::leak(Box::new([
        scopegate::Endpoint::__new(scopegate::__private::Declaration {
            publish: scopegate::Publish::Public,
            owner: "core",
            ..scopegate::__private::Declaration::new(
                "dump::runtime::transfer",
                scopegate::Method::Post,
                "/projects/{project_id}/transfer/",
                scopegate::Access::Permission(<TransferPermission as scopegate::Permission>::CLASS),
            )
        }),
        scopegate::Endpoint::__new(scopegate::__private::Declaration {
            publish: scopegate::Publish::Public,
            ..scopegate::__private::Declaration::new(
                "dump::runtime::attach",
                scopegate::Method::Put,
                "/attach/",
                scopegate::Access::Scopes(scopegate::Requirement::all(&["member:write", "project:write"])),
            )
        }),
    ]));
    let built =
        Registry::from_endpoints(scopegate::Config::sentry(), records.iter()).expect("valid registry");
    let doc = dump::openapi(&built, &OpenApiOptions::default());
    assert_eq!(
        doc["paths"]["/projects/{project_id}/transfer/"]["post"]["security"],
        json!([{"auth_token": ["org:admin", "project:admin"]}])
    );
    assert_eq!(
        doc["paths"]["/attach/"]["put"]["security"],
        json!([{"auth_token": ["member:write", "project:write"]}])
    );
    assert_eq!(errors(&openapi_validator(), &doc), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// The `registry` subcommand
// ---------------------------------------------------------------------------------------------

fn cli(args: &[&str]) -> (Status, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = execute(registry(), args.iter().copied(), &mut out, &mut err);
    (status, String::from_utf8(out).expect("utf-8"), String::from_utf8(err).expect("utf-8"))
}

#[test]
fn registry_command_prints_every_format() {
    for format in Format::ALL {
        let (status, out, err) = cli(&["my-service", "registry", "--format", format.as_str()]);
        assert_eq!(status, Status::Success, "{err}");
        assert_eq!(out, dump::render(registry(), format), "{format}");
    }
    let (status, out, _) = cli(&["registry"]);
    assert_eq!(status, Status::Success);
    assert_eq!(out, dump::json(registry()), "json is the default format");
    let (_, out, _) = cli(&["registry", "--format=markdown"]);
    assert_eq!(out, dump::markdown(registry()));
    let (status, out, _) =
        cli(&["registry", "--format", "openapi", "--title", "Acme API", "--api-version", "9.9"]);
    assert_eq!(status, Status::Success);
    let doc = parse(&out);
    assert_eq!(doc["info"], json!({"title": "Acme API", "version": "9.9"}));
    assert!(doc.get("servers").is_none(), "no servers unless given");
    let (status, out, err) =
        cli(&["registry", "--format", "openapi", "--server", "/api/0", "--server=https://x.test/api/0"]);
    assert_eq!(status, Status::Success, "{err}");
    assert_eq!(parse(&out)["servers"], json!([{"url": "/api/0"}, {"url": "https://x.test/api/0"}]));
}

#[test]
fn usage_names_the_program() {
    let (_, out, _) = cli(&["/usr/local/bin/my-service", "registry", "--help"]);
    assert!(out.contains("  my-service registry [--format"), "{out}");
    assert!(out.contains("  my-service audit [--baseline FILE]"), "{out}");
    assert!(!out.contains("<program>"), "{out}");
}

#[test]
fn registry_command_writes_the_output_file() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scopegate-dump-test.html");
    let _ = std::fs::remove_file(&path);
    let path_arg = path.to_str().expect("utf-8 path");
    let (status, out, err) = cli(&["registry", "--format", "html", "--output", path_arg]);
    assert_eq!(status, Status::Success, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("as html to"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("written"), dump::html(registry()));

    let missing_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no/such/dir/x.json");
    let (status, _, err) = cli(&["registry", "--output", missing_dir.to_str().expect("utf-8")]);
    assert_eq!(status, Status::Failure);
    assert!(err.starts_with("error: cannot write"), "{err}");
}

#[test]
fn registry_command_rejects_bad_usage_with_clear_errors() {
    let cases: [(&[&str], &str); 9] = [
        (&["registry", "--format", "yaml"], "unknown format `yaml`"),
        (&["registry", "--format"], "`--format` needs a value"),
        (&["registry", "--format="], "`--format` needs a value"),
        (&["registry", "--format", "md", "--format", "md"], "`--format` given twice"),
        (&["registry", "--verbose"], "unknown option `--verbose` for `registry`"),
        (&["registry", "json"], "unexpected argument `json`"),
        (&["registry", "--title", "x"], "only apply to `--format openapi`"),
        (&["registry", "--server", "/api/0"], "only apply to `--format openapi`"),
        (&["publish"], "unknown command `publish`"),
    ];
    for (args, message) in cases {
        let (status, out, err) = cli(args);
        assert_eq!(status, Status::Usage, "{args:?}");
        assert!(out.is_empty());
        assert!(err.starts_with("error: ") && err.contains(message), "{args:?}: {err}");
        assert!(err.contains("usage:"), "usage follows the error");
    }
    let (status, _, _) = cli(&[]);
    assert_eq!(status, Status::Usage);
    for help in
        [&["registry", "--help"][..], &["audit", "-h"], &["my-service", "registry", "--format", "md", "-h"]]
    {
        let (status, out, err) = cli(help);
        assert_eq!(status, Status::Success);
        assert!(out.starts_with("usage:") && out.contains("--baseline"), "{out}");
        assert!(err.is_empty());
    }
}

#[test]
fn is_command_routes_only_the_dump_and_audit_commands() {
    assert!(scopegate::cli::is_command(&["demo", "registry"]));
    assert!(scopegate::cli::is_command(&["audit", "--update"]));
    assert!(!scopegate::cli::is_command(&["demo", "serve", "registry"]));
    assert!(!scopegate::cli::is_command(&["demo"]));
    assert!(!scopegate::cli::is_command(&["demo", "--registry"]));
}
