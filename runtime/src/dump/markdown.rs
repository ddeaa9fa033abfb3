//! The Markdown dump: one table per owner.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{EndpointRecord, sorted_endpoints};
use crate::record::{Endpoint, ScopeMatch};
use crate::registry::Registry;
use crate::tighten::PlannedPolicy;

/// The registry as Markdown: a summary line, then one table per owner (owners sorted by name) with
/// the columns method, path, scopes, read-only exception, gate, publish and handler.
///
/// The scopes column lists an any-of requirement (`scopes = [...]`) as `` `a`, `b` `` and an all-of
/// requirement (`scopes = all(...)`) as `` all of: `a` + `b` ``. Read-only scopes through which
/// read-only credentials get in are marked `(read-only)`; an endpoint with no credentials shows why
/// in the scopes column; a gate-exempt endpoint shows its reason in the gate column. The read-only
/// exception column also shows the exception's planned policy and what it changes, e.g.
/// ``Planned: `org:write`; adds nothing, drops `org:read` `` — the scopes the plan adds (not in
/// the current requirement) and drops (in the current requirement, not in the plan) — and the
/// exception's sunset, `Sunset: 2027-01-31`. Every cell is escaped: `|` and
/// Markdown punctuation are backslash-escaped, `<`, `>` and `&` become entities, line breaks become
/// `<br>`, and code spans pick a fence longer than any backtick run they contain.
///
/// ```standalone_crate
/// #[scopegate::endpoint(
///     method = POST, path = "/organizations/{org}/searches/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members save personal searches | without org:write.",
///     owner = "search",
/// )]
/// fn create_search() {}
///
/// let md = scopegate::dump::markdown(scopegate::Registry::global());
/// assert!(md.contains("## search"));
/// assert!(md.contains("Members save personal searches \\| without org:write."));
/// ```
pub fn markdown(registry: &Registry) -> String {
    let endpoints = sorted_endpoints(registry);
    let mut by_owner: BTreeMap<&str, Vec<(EndpointRecord, &Endpoint)>> = BTreeMap::new();
    for e in &endpoints {
        by_owner.entry(e.owner()).or_default().push((EndpointRecord::new(e), e));
    }
    let exceptions = endpoints.iter().filter(|e| e.readonly_exception().is_some()).count();

    let mut out = String::from("# API endpoints\n\n");
    let _ = writeln!(
        out,
        "{} endpoints, {} owners, {} accepting read-only scopes on a mutation (policy debt).\n",
        endpoints.len(),
        by_owner.len(),
        exceptions
    );
    for (owner, records) in &by_owner {
        let _ = writeln!(out, "## {}\n", text(owner));
        out.push_str("| Method | Path | Scopes | Read-only exception | Gate | Publish | Handler |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (r, e) in records {
            let gate_exempt = e.gate_exempt();
            let scopes = match r.unauthenticated {
                Some(why) => format!("none (unauthenticated: {})", text(why)),
                None if r.authenticated.is_some() => {
                    format!(
                        "any signed-in caller (authenticated: {})",
                        text(r.authenticated.unwrap_or_default())
                    )
                }
                None if r.superuser.is_some() => {
                    format!("active superusers (superuser: {})", text(r.superuser.unwrap_or_default()))
                }
                None if r.scopes.is_empty() => "none (denies every request)".to_string(),
                None => {
                    let list: Vec<String> = r
                        .scopes
                        .iter()
                        .map(|s| {
                            if r.readonly_scopes.contains(s) {
                                format!("{} (read-only)", code(s))
                            } else {
                                code(s)
                            }
                        })
                        .collect();
                    let mut cell = if r.scope_match == Some(ScopeMatch::All.as_str()) {
                        format!("all of: {}", list.join(" + "))
                    } else {
                        list.join(", ")
                    };
                    if let Some(class) = r.permission {
                        let _ = write!(cell, " via {}", code(class));
                    }
                    cell
                }
            };
            let mut exception = r.readonly_exception.map_or_else(|| "—".to_string(), text);
            if let Some(plan) = PlannedPolicy::of(e) {
                let _ = write!(
                    exception,
                    "<br>Planned: {}; adds {}, drops {}",
                    requirement(plan.scopes(), plan.scope_match()),
                    list_or_none(&plan.adds),
                    list_or_none(&plan.drops)
                );
            }
            if let Some(sunset) = e.sunset() {
                let _ = write!(exception, "<br>Sunset: {sunset}");
            }
            let gate = match (r.gate, gate_exempt) {
                (Some(g), _) => code(g),
                (None, Some(why)) => format!("exempt: {}", text(why)),
                (None, None) => "—".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(r.method),
                code(r.path),
                scopes,
                exception,
                gate,
                r.publish,
                code(r.handler)
            );
        }
        out.push('\n');
    }
    out
}

/// A planned requirement for a table cell: `` `a`, `b` `` (any one), `` all of: `a` + `b` ``, or
/// `none (denies every request)`.
fn requirement(scopes: &[&str], scope_match: ScopeMatch) -> String {
    let list: Vec<String> = scopes.iter().map(|s| code(s)).collect();
    match scope_match {
        _ if scopes.is_empty() => "none (denies every request)".to_string(),
        ScopeMatch::All if scopes.len() > 1 => format!("all of: {}", list.join(" + ")),
        _ => list.join(", "),
    }
}

/// `` `a`, `b` `` or `nothing`.
fn list_or_none(scopes: &[&str]) -> String {
    if scopes.is_empty() {
        return "nothing".to_string();
    }
    scopes.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ")
}

/// Escapes free text for a table cell.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span for a table cell: a fence longer than any backtick run inside, `|` escaped (GitHub
/// tables split on `|` even inside code spans), line breaks as spaces.
pub(crate) fn code(s: &str) -> String {
    let body: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let body = body.replace('|', "\\|");
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || body.starts_with(' ') || body.ends_with(' ') {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_pipes_newlines_and_html() {
        assert_eq!(text("a | b\nc\r\nd <b>&"), "a \\| b<br>c<br>d &lt;b&gt;&amp;");
        assert_eq!(text("*x* _y_ `z`"), "\\*x\\* \\_y\\_ \\`z\\`");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("/a/{b}/"), "`/a/{b}/`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a\nb"), "`a b`");
    }
}
