//! The HTML dump: a self-contained endpoint × scope permission matrix.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{escape_html as esc, sorted_endpoints};
use crate::record::{Endpoint, ScopeMatch};
use crate::registry::Registry;
use crate::tighten::PlannedPolicy;
use scopegate_core::rules::is_policy_debt;

/// Value of `data-gate` for an endpoint without a gate (gate names are identifiers, so no clash).
const NO_GATE: &str = "-";

/// The registry as one self-contained HTML page (inline CSS and a little inline JavaScript, no
/// external resources): a permission matrix with one row per endpoint and one column per scope of
/// the registry's vocabulary.
///
/// A cell is marked `●` when the scope is one the endpoint accepts, and `○` when a token holding the
/// scope gets access through the hierarchy (e.g. `org:admin` on an endpoint that accepts
/// `org:write`). An endpoint that needs all of its scopes together (`scopes = all(...)`) marks them
/// `◆` instead (`◇` where a token holds one of them through the hierarchy), carries the class
/// `all-of` and says "All of these together" under its path, so no single `◆` reads as a grant. Read-only scope columns and grants are drawn in their own colour. Mutations that
/// accept read-only scopes are highlighted and show their justification, both under the endpoint
/// and on hover, with the exception's planned policy under it (the scopes the plan adds — not in
/// the current requirement — and drops — in the current requirement, not in the plan) and its
/// sunset. Select boxes filter the rows by owner, gate and publish level; a checkbox shows
/// only the policy debt. Every piece of text is HTML-escaped.
///
/// ```standalone_crate
/// #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"], owner = "<core>")]
/// fn details() {}
///
/// let page = scopegate::dump::html(scopegate::Registry::global());
/// assert!(page.starts_with("<!doctype html>"));
/// assert!(page.contains("&lt;core&gt;"));
/// assert!(!page.contains("<core>"));
/// ```
pub fn html(registry: &Registry) -> String {
    let endpoints = sorted_endpoints(registry);
    let vocab = registry.config().vocabulary();
    let scopes = vocab.scopes();
    let owners: BTreeSet<&str> = endpoints.iter().map(|e| e.owner()).collect();
    let gates: BTreeSet<&str> = endpoints.iter().filter_map(|e| e.gate()).collect();
    let publishes: BTreeSet<_> = endpoints.iter().map(|e| e.publish()).collect();
    let debt = endpoints.iter().filter(|e| e.has_policy_debt()).count();

    let mut out = String::with_capacity(8192 + endpoints.len() * (200 + scopes.len() * 40));
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>Permission matrix</title>\n<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>Permission matrix</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"summary\">{} endpoints × {} scopes · <span class=\"debt-count\">{} mutations accept \
         read-only scopes</span></p>",
        endpoints.len(),
        scopes.len(),
        debt
    );

    out.push_str("<form class=\"filters\" onsubmit=\"return false\">\n");
    select(&mut out, "owner", "Owner", owners.iter().map(|o| (o.to_string(), o.to_string())));
    let mut gate_options = vec![(NO_GATE.to_string(), "(none)".to_string())];
    gate_options.extend(gates.iter().map(|g| (g.to_string(), g.to_string())));
    select(&mut out, "gate", "Gate", gate_options.into_iter());
    select(
        &mut out,
        "publish",
        "Publish",
        publishes.iter().map(|p| (p.as_str().to_string(), p.as_str().to_string())),
    );
    out.push_str(
        "<label><input type=\"checkbox\" id=\"f-debt\"> only read-only exceptions</label>\n\
         <output id=\"shown\"></output>\n</form>\n",
    );
    out.push_str(
        "<p class=\"legend\"><span class=\"c grant\">●</span> accepted scope \
         <span class=\"c grant ro\">●</span> accepted read-only scope \
         <span class=\"c implied\">○</span> granted to a token through the scope hierarchy \
         <span class=\"c grant all\">◆</span> required scope of an endpoint that needs all of these together: \
         its ◆ scopes grant access together, none alone \
         <span class=\"c implied all\">◇</span> a ◆ scope held by a token through the scope hierarchy \
         <span class=\"swatch debt\"></span> mutation accepting a read-only scope (policy debt)</p>\n",
    );
    out.push_str("</header>\n<main>\n<table>\n<thead>\n<tr>");
    out.push_str("<th class=\"endpoint\">Endpoint</th><th>Owner</th><th>Gate</th><th>Publish</th>");
    for scope in scopes {
        let class = if vocab.is_readonly(scope) { "scope ro" } else { "scope" };
        let title = if vocab.is_readonly(scope) { " (read-only)" } else { "" };
        let _ = write!(
            out,
            "<th class=\"{class}\" title=\"{}{title}\"><span>{}</span></th>",
            esc(scope),
            esc(scope)
        );
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");

    if endpoints.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{}\" class=\"empty\">No endpoints registered.</td></tr>",
            4 + scopes.len()
        );
    }
    for e in &endpoints {
        row(&mut out, registry, e);
    }
    out.push_str("</tbody>\n</table>\n</main>\n<script>\n");
    out.push_str(JS);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// Escaped text whose line breaks show in the page.
fn lines(text: &str) -> String {
    esc(text).replace("&#13;&#10;", "<br>").replace("&#10;", "<br>").replace("&#13;", "<br>")
}

fn select(out: &mut String, key: &str, label: &str, options: impl Iterator<Item = (String, String)>) {
    let _ = write!(out, "<label>{label} <select id=\"f-{key}\"><option value=\"\">all</option>");
    for (value, text) in options {
        let _ = write!(out, "<option value=\"{}\">{}</option>", esc(&value), esc(&text));
    }
    out.push_str("</select></label>\n");
}

fn row(out: &mut String, registry: &Registry, e: &Endpoint) {
    let vocab = registry.config().vocabulary();
    let debt = e.has_policy_debt();
    let method = e.method().as_str();
    let endpoint = format!("{method} {}", e.path());
    let mut classes = Vec::new();
    if debt {
        classes.push("debt");
    }
    if e.scope_match() == Some(ScopeMatch::All) {
        classes.push("all-of");
    }
    if e.unauthenticated().is_some() {
        classes.push("unauth");
    }
    if e.authenticated().is_some() {
        classes.push("authn");
    }
    if e.superuser().is_some() {
        classes.push("superuser");
    }
    let _ = write!(
        out,
        "<tr class=\"{}\" data-owner=\"{}\" data-gate=\"{}\" data-publish=\"{}\"",
        classes.join(" "),
        esc(e.owner()),
        esc(e.gate().unwrap_or(NO_GATE)),
        e.publish().as_str()
    );
    if let (true, Some(note)) = (debt, e.readonly_exception()) {
        let _ = write!(out, " title=\"Read-only exception: {}\"", esc(note));
    }
    out.push('>');
    let _ = write!(
        out,
        "<td class=\"endpoint\"><span class=\"m m-{}\">{method}</span> <code>{}</code><div class=\"handler\">{}</div>",
        method.to_ascii_lowercase(),
        esc(e.path()),
        esc(e.handler())
    );
    if let (true, Some(note)) = (debt, e.readonly_exception()) {
        let readonly: Vec<String> = e.readonly_scopes().iter().map(|s| esc(s)).collect();
        let _ = write!(
            out,
            "<div class=\"note\"><strong>Read-only exception</strong> ({}): {}</div>",
            readonly.join(", "),
            lines(note)
        );
    }
    if let Some(plan) = PlannedPolicy::of(e) {
        let scopes: Vec<String> = plan.scopes().iter().map(|s| esc(s)).collect();
        let planned = match plan.scope_match() {
            _ if scopes.is_empty() => "none (denies every request)".to_string(),
            ScopeMatch::All if scopes.len() > 1 => format!("all of {}", scopes.join(" + ")),
            _ => scopes.join(", "),
        };
        let listed = |list: &[&str]| {
            if list.is_empty() {
                "nothing".to_string()
            } else {
                list.iter().map(|s| esc(s)).collect::<Vec<_>>().join(", ")
            }
        };
        let _ = write!(
            out,
            "<div class=\"note plan\"><strong>Planned</strong>: {planned}; adds {}, drops {}</div>",
            listed(&plan.adds),
            listed(&plan.drops)
        );
    }
    if let Some(sunset) = e.sunset() {
        let _ = write!(out, "<div class=\"note sunset\"><strong>Sunset</strong>: {sunset}</div>");
    }
    if let Some(why) = e.unauthenticated() {
        let _ = write!(out, "<div class=\"note\"><strong>No credentials</strong>: {}</div>", lines(why));
    } else if let Some(why) = e.authenticated() {
        let _ =
            write!(out, "<div class=\"note\"><strong>Any signed-in caller</strong>: {}</div>", lines(why));
    } else if let Some(why) = e.superuser() {
        let _ =
            write!(out, "<div class=\"note\"><strong>Active superusers only</strong>: {}</div>", lines(why));
    } else if e.scopes().is_empty() {
        out.push_str(
            "<div class=\"note\"><strong>Denies every request</strong>: no scope is mapped for this method</div>",
        );
    } else if e.scope_match() == Some(ScopeMatch::All) {
        let scopes: Vec<String> = e.scopes().iter().map(|s| esc(s)).collect();
        let _ = write!(
            out,
            "<div class=\"note all-of\"><strong>All of these together</strong>: {}</div>",
            scopes.join(" + ")
        );
    }
    if let Some(class) = e.permission() {
        let _ = write!(out, "<div class=\"note muted\">scopes via {}</div>", esc(class.name()));
    }
    if let Some(why) = e.gate_exempt() {
        let _ = write!(out, "<div class=\"note muted\">gate exempt: {}</div>", lines(why));
    }
    out.push_str("</td>");
    let _ = write!(out, "<td>{}</td>", esc(e.owner()));
    match (e.gate(), e.gate_exempt()) {
        (Some(g), _) => {
            let _ = write!(out, "<td><span class=\"gate\">{}</span></td>", esc(g));
        }
        (None, Some(why)) => {
            let _ = write!(out, "<td class=\"muted\" title=\"Gate exempt: {}\">exempt</td>", esc(why));
        }
        (None, None) => out.push_str("<td class=\"muted\">—</td>"),
    }
    let _ = write!(out, "<td class=\"publish\">{}</td>", e.publish().as_str());

    let all_of = e.scope_match() == Some(ScopeMatch::All);
    for scope in vocab.scopes() {
        let readonly = vocab.is_readonly(scope);
        let ro = if readonly { " ro" } else { "" };
        if all_of && e.scopes().contains(scope) {
            // One part of an all-of requirement: it grants nothing alone.
            let others: Vec<String> = e.scopes().iter().filter(|s| *s != scope).map(|s| esc(s)).collect();
            let _ = write!(
                out,
                "<td class=\"c grant all{ro}\" title=\"{} grants {} only together with {} (all of them are needed){}\">◆</td>",
                esc(scope),
                esc(&endpoint),
                others.join(" + "),
                if e.has_policy_debt() { "; read-only scopes on a mutation" } else { "" }
            );
        } else if e.scopes().contains(scope) {
            let _ = write!(
                out,
                "<td class=\"c grant{ro}\" title=\"{} grants {}{}\">●</td>",
                esc(scope),
                esc(&endpoint),
                if is_policy_debt(e.method(), readonly) { " (read-only scope on a mutation)" } else { "" }
            );
        } else if let Some(via) = vocab.implied_by(scope).iter().find(|s| e.scopes().contains(*s)) {
            if all_of {
                let _ = write!(
                    out,
                    "<td class=\"c implied all{ro}\" title=\"a token with {} also holds {}, one of the scopes {} requires together\">◇</td>",
                    esc(scope),
                    esc(via),
                    esc(&endpoint)
                );
            } else {
                let _ = write!(
                    out,
                    "<td class=\"c implied{ro}\" title=\"a token with {} also holds {}, which grants {}\">○</td>",
                    esc(scope),
                    esc(via),
                    esc(&endpoint)
                );
            }
        } else {
            let _ = write!(out, "<td class=\"c{ro}\"></td>");
        }
    }
    out.push_str("</tr>\n");
}

const CSS: &str = r#":root { --fg: #1d2330; --muted: #6b7385; --line: #dfe3ea; --grant: #1f7a4d; --ro: #b26b00;
  --ro-bg: #fff7e8; --debt-bg: #fdecec; --debt-line: #c62828; --head: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
header { padding: 16px 20px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
.summary { margin: 0 0 10px; color: var(--muted); }
.debt-count { color: var(--debt-line); font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin-bottom: 8px; }
.filters select { margin-left: 4px; padding: 2px 4px; }
#shown { color: var(--muted); }
.legend { margin: 0; color: var(--muted); font-size: 12px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.legend .c { display: inline-block; width: 18px; text-align: center; }
.swatch { display: inline-block; width: 14px; height: 14px; border-left: 3px solid var(--debt-line); background: var(--debt-bg); margin-left: 10px; }
main { overflow: auto; max-height: calc(100vh - 130px); }
table { border-collapse: separate; border-spacing: 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--head); z-index: 1; vertical-align: bottom; white-space: nowrap; }
th.scope { padding: 6px 2px; width: 26px; text-align: center; }
th.scope span { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 500; font-family: ui-monospace, monospace; font-size: 12px; }
th.scope.ro { background: var(--ro-bg); color: var(--ro); }
td.c { text-align: center; width: 26px; padding: 4px 2px; border-left: 1px solid #f0f2f5; }
td.c.ro { background: #fffbf3; }
td.c.grant { color: var(--grant); font-size: 16px; }
td.c.grant.ro { color: var(--ro); }
td.c.implied { color: #9aa3b2; }
.legend .c.grant { color: var(--grant); } .legend .c.grant.ro { color: var(--ro); } .legend .c.implied { color: #9aa3b2; }
td.c.grant.all, .legend .c.grant.all { color: #6a3fb5; }
tr.all-of .note.all-of strong { color: #6a3fb5; }
td.endpoint code { font-family: ui-monospace, monospace; font-size: 12.5px; white-space: nowrap; }
th.endpoint, td.endpoint { position: sticky; left: 0; background: #fff; border-right: 1px solid var(--line); min-width: 380px; max-width: 560px; }
thead th.endpoint { z-index: 2; background: var(--head); }
.note { font-size: 12.5px; margin-top: 3px; white-space: normal; }
.handler { color: var(--muted); font-size: 11.5px; font-family: ui-monospace, monospace; }
.publish { font-size: 12.5px; }
.muted { color: var(--muted); }
.gate { background: #e8eefc; color: #2848a8; border-radius: 3px; padding: 0 5px; font-size: 12px; }
.m { display: inline-block; min-width: 58px; text-align: center; border-radius: 3px; padding: 1px 4px; font: 600 11px ui-monospace, monospace; color: #fff; background: #5b6576; }
.m-get, .m-head, .m-options { background: #2f7dd1; } .m-post { background: #1f8a57; } .m-put, .m-patch { background: #b26b00; } .m-delete { background: #c62828; }
tr.debt td { background: var(--debt-bg); }
tr.debt td:first-child { box-shadow: inset 3px 0 0 var(--debt-line); }
tr.debt .note strong { color: var(--debt-line); }
tr.debt .note.plan strong, tr.debt .note.sunset strong { color: var(--grant); }
tr.unauth .note strong { color: #6a3fb5; }
tbody tr:hover td { background: #eef3ff; }
tr[hidden] { display: none; }
.empty { color: var(--muted); padding: 24px; }
"#;

const JS: &str = r#"(function () {
  var keys = ["owner", "gate", "publish"];
  var selects = keys.map(function (k) { return document.getElementById("f-" + k); });
  var debtOnly = document.getElementById("f-debt");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody tr[data-owner]"));
  function apply() {
    var n = 0;
    rows.forEach(function (row) {
      var ok = keys.every(function (k, i) {
        return !selects[i].value || row.dataset[k] === selects[i].value;
      }) && (!debtOnly.checked || row.classList.contains("debt"));
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " endpoints shown";
  }
  selects.concat([debtOnly]).forEach(function (el) { el.addEventListener("change", apply); });
  apply();
})();
"#;
