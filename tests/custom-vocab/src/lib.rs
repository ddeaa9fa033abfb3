//! A crate with its own `scopegate.toml` vocabulary (document scopes instead of Sentry's) and its
//! own `billing` gate. Its endpoints are checked against that vocabulary at compile time, and its
//! registry is built with it at run time:
//!
//! ```
//! let config = scopegate::config!();
//! assert_eq!(config.vocabulary().readonly(), &["doc:read", "share:read"]);
//! let registry = scopegate_test_custom_vocab::registry();
//! assert!(registry.by_handler("scopegate_test_custom_vocab::read_document").is_some());
//! assert_eq!(registry.config().vocabulary().readonly(), config.vocabulary().readonly());
//! ```
//!
//! These declarations build with this vocabulary:
//!
//! ```
//! #[scopegate::endpoint(method = GET, path = "/folders/", scopes = ["doc:read"])]
//! fn list_folders() {}
//!
//! #[scopegate::endpoint(method = PUT, path = "/folders/{folder_id}/", scopes = ["doc:write"])]
//! fn update_folder() {}
//!
//! #[scopegate::endpoint(method = GET, path = "/billing/plans/", scopes = ["doc:admin"], gate = billing)]
//! fn list_plans() {}
//! ```
//!
//! but Sentry's scopes are unknown here:
//!
//! ```compile_fail
//! #[scopegate::endpoint(method = GET, path = "/documents/", scopes = ["org:read"])]
//! fn list_documents() {}
//! ```
//!
//! the read-only set is this file's, so `doc:read` on a mutation needs a justification:
//!
//! ```compile_fail
//! #[scopegate::endpoint(method = PUT, path = "/documents/{document_id}/", scopes = ["doc:read", "doc:write"])]
//! fn update_document() {}
//! ```
//!
//! and a path in the `billing` area needs the gate:
//!
//! ```compile_fail
//! #[scopegate::endpoint(method = GET, path = "/billing/plans/", scopes = ["doc:admin"])]
//! fn list_plans() {}
//! ```

/// A shared scope map over the custom vocabulary.
/// This crate's registry, built once with its own `scopegate.toml`.
pub fn registry() -> &'static scopegate::Registry {
    scopegate::registry!()
}

#[scopegate::permission(
    GET = ["doc:read", "doc:write", "doc:admin"],
    DELETE = ["doc:admin"],
    POST = ["share:read", "share:write"],
    readonly_exceptions(POST = "Readers may ask for a share link; an owner approves it."),
)]
#[derive(Debug)]
pub struct DocumentPermission;

/// `GET /documents/{document_id}/`
#[scopegate::endpoint(
    method = GET,
    path = "/documents/{document_id}/",
    scopes = ["doc:read", "doc:write", "doc:admin"],
    owner = "documents",
    publish = public,
)]
pub async fn read_document() {}

/// `PUT /documents/{document_id}/`
#[scopegate::endpoint(method = PUT, path = "/documents/{document_id}/", scopes = ["doc:write", "doc:admin"])]
pub async fn update_document() {}

/// `POST /documents/{document_id}/comments/`: readers may comment.
#[scopegate::endpoint(
    method = POST,
    path = "/documents/{document_id}/comments/",
    scopes = ["doc:read", "doc:write"],
    readonly_exception = "Readers may comment on documents they can read.",
)]
pub async fn add_comment() {}

/// `DELETE /documents/{document_id}/`
#[scopegate::endpoint(method = DELETE, path = "/documents/{document_id}/", permission = DocumentPermission)]
pub async fn delete_document() {}

/// `POST /documents/{document_id}/share-requests/`: justified by the class-level exception.
#[scopegate::endpoint(
    method = POST,
    path = "/documents/{document_id}/share-requests/",
    permission = DocumentPermission,
)]
pub async fn request_share() {}

/// `GET /billing/invoices/`: in the `billing` area, so gated.
#[scopegate::endpoint(method = GET, path = "/billing/invoices/", scopes = ["doc:admin"], gate = billing)]
pub async fn list_invoices() {}

#[cfg(test)]
mod tests {
    use scopegate::{Config, Method, Registry, RegistryError};

    #[test]
    fn config_macro_returns_this_crates_vocabulary() {
        let vocab = scopegate::config!().vocabulary();
        assert_eq!(vocab.scopes(), &["doc:read", "doc:write", "doc:admin", "share:read", "share:write"]);
        assert_eq!(vocab.readonly(), &["doc:read", "share:read"]);
        // The hierarchy is closed and listed in vocabulary order.
        assert_eq!(vocab.implied_by("doc:admin"), &["doc:read", "doc:write", "share:read", "share:write"]);
        assert_eq!(vocab.implied_by("doc:write"), &["doc:read"]);
        assert_eq!(vocab.implied_by("share:write"), &["share:read"]);
        assert!(vocab.implied_by("doc:read").is_empty());
        assert!(!vocab.contains("org:read"));
        assert_ne!(scopegate::config!(), Config::sentry());
    }

    #[test]
    fn config_macro_returns_this_crates_gates() {
        let config = scopegate::config!();
        let billing = config.gate("billing").expect("declared in scopegate.toml");
        assert_eq!(billing.feature(), "organizations:billing");
        assert!(billing.has_allowlists());
        assert_eq!(billing.areas(), &["billing"]);
        assert!(billing.covers("/billing/invoices/"));
        let bypass = billing.bypass();
        assert!(bypass.active_superuser);
        assert_eq!(bypass.org_token_scope, Some("doc:admin"));
        assert_eq!(bypass.integration_scope, None);
        // The built-in replay gate stays, without bypass scopes this vocabulary lacks.
        let replay = config.gate("replay").expect("built in");
        assert_eq!(replay.feature(), "organizations:session-replay");
        assert_eq!(replay.bypass().org_token_scope, None);
        assert_eq!(replay.bypass().integration_scope, None);
        assert_eq!(config.gates().len(), 2);
    }

    #[test]
    fn registry_with_this_config_accepts_the_endpoints() {
        let registry = super::registry();
        assert!(std::ptr::eq(registry, super::registry()), "built once");
        let handlers: Vec<(&str, Method, &str)> =
            registry.iter().map(|e| (e.path(), e.method(), e.name())).collect();
        assert_eq!(
            handlers,
            [
                ("/billing/invoices/", Method::Get, "list_invoices"),
                ("/documents/{document_id}/", Method::Get, "read_document"),
                ("/documents/{document_id}/", Method::Put, "update_document"),
                ("/documents/{document_id}/", Method::Delete, "delete_document"),
                ("/documents/{document_id}/comments/", Method::Post, "add_comment"),
                ("/documents/{document_id}/share-requests/", Method::Post, "request_share"),
            ]
        );
        // Read-only subsets were computed with this crate's read-only set.
        let comment = registry.lookup(Method::Post, "/documents/7/comments/").expect("registered");
        assert_eq!(comment.readonly_scopes(), &["doc:read"]);
        assert_eq!(comment.readonly_exception(), Some("Readers may comment on documents they can read."));
        let share = registry.lookup(Method::Post, "/documents/7/share-requests/").expect("registered");
        assert_eq!(share.readonly_scopes(), &["share:read"]);
        assert_eq!(
            share.readonly_exception(),
            Some("Readers may ask for a share link; an owner approves it.")
        );
        let read = registry.lookup(Method::Get, "/documents/7/").expect("registered");
        assert_eq!(read.readonly_scopes(), &["doc:read"]);
        assert_eq!(
            registry.lookup(Method::Get, "/billing/invoices/").and_then(|e| e.gate()),
            Some("billing")
        );
    }

    #[test]
    fn registry_with_the_built_in_config_rejects_them() {
        let errors = Registry::with_config(Config::sentry()).expect_err("foreign vocabulary");
        let unknown_scopes =
            errors.iter().filter(|e| matches!(e, RegistryError::UnknownScope { .. })).count();
        // Every scope of every endpoint: 1 + 3 + 2 + 2 + 1 + 2.
        assert_eq!(unknown_scopes, 11, "{errors:#?}");
        assert!(
            errors.iter().any(
                |e| matches!(e, RegistryError::UnknownGate { gate, handler } if gate == "billing" && handler.contains("list_invoices"))
            ),
            "{errors:#?}"
        );
    }
}
