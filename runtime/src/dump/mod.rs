//! Dumps of a [`Registry`]: JSON (the contract shape), Markdown, a self-contained HTML permission
//! matrix, and OpenAPI 3.1.
//!
//! Every format reads the registry's own records ([`Endpoint`]), in the same order (by path, then
//! method in the order GET HEAD OPTIONS POST PUT PATCH DELETE), so the outputs agree with each other
//! and with the running service: JSON serialises them as [`RegistryDump`] (the contract shape),
//! Markdown and HTML render them, OpenAPI keeps the published ones.
//!
//! ```standalone_crate
//! #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
//! fn organization_details() {}
//!
//! let registry = scopegate::Registry::global();
//! let json: serde_json::Value = serde_json::from_str(&scopegate::dump::json(registry)).unwrap();
//! assert_eq!(json["endpoints"][0]["path"], "/organizations/{org}/");
//! assert_eq!(json["endpoints"][0]["gate"], serde_json::Value::Null);
//!
//! let markdown = scopegate::dump::markdown(registry);
//! assert!(markdown.contains("| `GET` | `/organizations/{org}/` |"));
//! ```

use std::fmt;

use serde::Serialize;

use crate::record::{Endpoint, Requirement, ScopeMatch};
use crate::registry::Registry;

mod html;
mod markdown;
mod openapi;

pub use html::html;
pub use markdown::markdown;
pub(crate) use markdown::{code as markdown_code, text as markdown_text};
pub use openapi::{OpenApiOptions, SECURITY_SCHEME, openapi, openapi_json};

/// The JSON Schema (draft 2020-12) of the [`json`] dump, as shipped in `schema/registry.schema.json`.
pub const JSON_SCHEMA: &str = include_str!("../../schema/registry.schema.json");

/// A dump format, as named on the command line (`--format json|md|html|openapi`).
///
/// ```
/// use scopegate::dump::Format;
/// assert_eq!(Format::parse("md"), Some(Format::Markdown));
/// assert_eq!(Format::parse("markdown"), Some(Format::Markdown));
/// assert_eq!(Format::OpenApi.as_str(), "openapi");
/// assert_eq!(Format::parse("yaml"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The contract JSON shape (see [`json`]).
    Json,
    /// One Markdown table per owner (see [`markdown`]).
    Markdown,
    /// A self-contained HTML permission matrix (see [`html`]).
    Html,
    /// An OpenAPI 3.1 document of the published endpoints (see [`openapi`]).
    OpenApi,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Json, Format::Markdown, Format::Html, Format::OpenApi];

    /// Parses a format name: `json`, `md` or `markdown`, `html`, `openapi`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "openapi" => Some(Format::OpenApi),
            _ => None,
        }
    }

    /// The format's canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::OpenApi => "openapi",
        }
    }

    /// The usual file extension for the format.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Json | Format::OpenApi => "json",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Renders `registry` in `format` (OpenAPI with default [`OpenApiOptions`]).
///
/// ```standalone_crate
/// use scopegate::dump::{Format, render};
/// let registry = scopegate::Registry::global();
/// for format in Format::ALL {
///     assert!(!render(registry, format).is_empty());
/// }
/// ```
pub fn render(registry: &Registry, format: Format) -> String {
    match format {
        Format::Json => json(registry),
        Format::Markdown => markdown(registry),
        Format::Html => html(registry),
        Format::OpenApi => openapi_json(registry, &OpenApiOptions::default()),
    }
}

/// The registry as pretty-printed JSON in the contract shape of the design document:
/// `{"endpoints":[{"handler", "method", "path", "scopes", "scope_match", "readonly_scopes",
/// "readonly_exception", "permission", "planned_scopes", "planned_scope_match", "sunset",
/// "publish", "owner", "gate", "unauthenticated", "authenticated", "superuser",
/// "source":{"file","line"}}]}`,
/// sorted by path then method, with absent values as `null`; `scope_match` is `"any"` (any one
/// of `scopes` grants access) or `"all"` (every one is needed) where there are scopes. An
/// endpoint with policy debt has a planned policy: `planned_scopes` (a list, possibly empty) and
/// `planned_scope_match` (`"any"` or `"all"`), both `null` without debt; `sunset` is the day its
/// read-only exception ends (`"YYYY-MM-DD"`) or `null`. Ends with a newline.
pub fn json(registry: &Registry) -> String {
    let mut out = serde_json::to_string_pretty(&RegistryDump::new(registry))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    out.push('\n');
    out
}

/// The serializable form of a registry: the root object of the [`json`] dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryDump {
    /// Every endpoint, sorted by path, then method (in [`Method::ALL`](crate::Method::ALL) order), then handler.
    pub endpoints: Vec<EndpointRecord>,
}

impl RegistryDump {
    /// Collects and sorts the records of every endpoint in `registry`.
    pub fn new(registry: &Registry) -> RegistryDump {
        RegistryDump { endpoints: sorted_endpoints(registry).into_iter().map(EndpointRecord::new).collect() }
    }
}

/// One endpoint in the [`json`] dump. Field order and names are the contract; `None` serializes
/// as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointRecord {
    /// The handler's full path, e.g. `my_api::dashboards::update_dashboard`.
    pub handler: &'static str,
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template with `{param}` segments.
    pub path: &'static str,
    /// The scopes of the requirement, as declared: any one of them grants access, or all of them
    /// together (see `scope_match`).
    pub scopes: &'static [&'static str],
    /// `"any"` or `"all"`: how `scopes` are matched; `None` (`null`) where there are no scopes
    /// (`unauthenticated`, `authenticated`, `superuser`, or a class that maps no scope for the
    /// method).
    pub scope_match: Option<&'static str>,
    /// The read-only scopes through which read-only credentials meet the requirement: the
    /// read-only subset of an any-of list; for an all-of list, every scope when all are
    /// read-only, else none.
    pub readonly_scopes: &'static [&'static str],
    /// The justification for accepting read-only scopes on a mutation.
    pub readonly_exception: Option<&'static str>,
    /// The permission class's name, when the endpoint names one.
    pub permission: Option<&'static str>,
    /// The scopes of the planned policy that replaces the read-only exception (see
    /// [`Endpoint::planned`]): `planned_scopes` on the endpoint or for the method on its class,
    /// else the requirement without its read-only scopes (which may leave none: a plan that
    /// denies every request). `None` (`null`) for an endpoint without policy debt.
    pub planned_scopes: Option<&'static [&'static str]>,
    /// `"any"` or `"all"`: how `planned_scopes` are matched; `None` (`null`) without a plan.
    pub planned_scope_match: Option<&'static str>,
    /// The day the read-only exception ends, `"YYYY-MM-DD"` (`sunset` on the endpoint, or
    /// `sunsets(...)` for the method on its class); `None` (`null`) without one.
    pub sunset: Option<String>,
    /// `private`, `experimental`, `public_experimental` or `public`.
    pub publish: &'static str,
    /// The owning team or area (`unowned` by default).
    pub owner: &'static str,
    /// The feature-area gate, e.g. `replay`.
    pub gate: Option<&'static str>,
    /// Why the endpoint needs no credentials, when it is unauthenticated.
    pub unauthenticated: Option<&'static str>,
    /// Why any signed-in caller may use it without a scope, when declared `authenticated`.
    pub authenticated: Option<&'static str>,
    /// Why only active superusers may use it, when declared `superuser`.
    pub superuser: Option<&'static str>,
    /// Where the handler is declared.
    pub source: SourceRecord,
}

/// `{"file", "line"}` of an [`EndpointRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceRecord {
    /// The file, as `file!()` reports it.
    pub file: &'static str,
    /// The 1-based line of the handler's name.
    pub line: u32,
}

impl EndpointRecord {
    /// The record of one endpoint.
    pub fn new(e: &Endpoint) -> EndpointRecord {
        let source = e.source();
        EndpointRecord {
            handler: e.handler(),
            method: e.method().as_str(),
            path: e.path(),
            scopes: e.scopes(),
            scope_match: e.scope_match().map(ScopeMatch::as_str),
            readonly_scopes: e.readonly_scopes(),
            readonly_exception: e.readonly_exception(),
            permission: e.permission().map(|class| class.name()),
            planned_scopes: e.planned().map(Requirement::scopes),
            planned_scope_match: e.planned().map(|plan| plan.scope_match().as_str()),
            sunset: e.sunset().map(|date| date.to_string()),
            publish: e.publish().as_str(),
            owner: e.owner(),
            gate: e.gate(),
            unauthenticated: e.unauthenticated(),
            authenticated: e.authenticated(),
            superuser: e.superuser(),
            source: SourceRecord { file: source.file, line: source.line },
        }
    }
}

/// The registry's endpoints sorted by path, then method (in [`Method::ALL`](crate::Method::ALL) order), then handler.
pub(crate) fn sorted_endpoints(registry: &Registry) -> Vec<&'static Endpoint> {
    let mut endpoints: Vec<&'static Endpoint> = registry.iter().collect();
    endpoints.sort_by(|a, b| (a.path(), a.method(), a.handler()).cmp(&(b.path(), b.method(), b.handler())));
    endpoints
}

/// Path parameters of a template, in order: `{org}` → `org`, `{*rest}` → `rest`.
pub(crate) fn path_params(path: &str) -> Vec<&str> {
    scopegate_core::template::params(path).collect()
}

/// Escapes text for HTML element content and attribute values (both quote kinds); line breaks
/// become character references, so each element stays on one line and tooltips keep the breaks.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_strip_braces_and_catch_all() {
        assert_eq!(path_params("/organizations/{org}/replays/{replay_id}/"), ["org", "replay_id"]);
        assert_eq!(path_params("/files/{*rest}"), ["rest"]);
        assert!(path_params("/").is_empty());
    }

    #[test]
    fn html_escaping_covers_every_special_character() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
    }
}
