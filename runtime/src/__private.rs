//! Items the macros' generated code refers to. Not a public API: names and signatures may change
//! in any release.

pub use ::inventory;
// Short paths for the generated code (`use ::scopegate::__private as __sg;` then `__sg::Some`):
// fewer tokens per handler for the macro to emit and for rustc to resolve.
pub use ::core::any::TypeId;
pub use ::core::option::Option::{None, Some};
pub use ::core::{concat, file, line, module_path};

pub use crate::config::{Bypass, Config, GateDef, Vocabulary};
pub use crate::handler::Checked;
pub use crate::record::{
    Access, AccessForm, Declaration, Declared, Endpoint, Method, MethodScopes, Permission, PermissionClass,
    Publish, Requirement, Source,
};

pub use scopegate_core::ScopeMatch::{All, Any};

/// What `#[scopegate::endpoint]` leaves under a handler's name (see [`crate::handler`]): the
/// hidden type that carries the declaration (`record::Declared`), the body as the type's
/// associated function of the handler's own name, then the registration. Nothing is left in the value namespace.
/// A macro rather than plain items so that, on a function inside an `impl` block (where no struct
/// may appear), rustc's error names what is wrong: "the usage of
/// `endpoint_handlers_must_be_free_functions!` is likely invalid in impl item context".
///
/// The body and the registration are braced blocks, each matched as a single token tree: a
/// `$(…)*` repetition would make every invocation walk each of their tokens.
#[doc(hidden)]
#[macro_export]
macro_rules! endpoint_handlers_must_be_free_functions {
    ($vis:vis $name:ident; $body:tt; $registration:tt) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        $vis struct $name {}
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const _: () = {
            impl $name $body
            $registration
        };
    };
}

pub use ::std::{string::String, vec::Vec};
#[cfg(feature = "utoipa")]
pub use ::utoipa;

/// What `#[scopegate::endpoint]` emits for a `#[utoipa::path]` below it (see
/// `scopegate_macros::utoipa`): `$target`, which utoipa's completed attribute on the handler's
/// signature (`$documented`, in a const block) implements `utoipa::Path` for, and `$path_type` —
/// `__path_<handler>`, the type utoipa's `#[openapi(paths(handler))]` names — as
/// [`Documented`](crate::utoipa::__Documented)`<$target, $name>`, whose operation is completed
/// from the record of the handler's declaration type `$name`. Both with the handler's visibility.
/// The delegation is one generic impl for every handler, not items per handler: they cost about a
/// quarter of utoipa's own expansion to compile (`BENCHMARKS.md`).
#[cfg(feature = "utoipa")]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_path {
    // A declaration with errors: `__path_<handler>` documents nothing, so that the user's
    // `#[openapi(paths(handler))]` adds no error to the declaration's.
    (placeholder $vis:vis $path_type:ident) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        $vis type $path_type = $crate::utoipa::__Undocumented;
    };
    ($vis:vis $name:ident $path_type:ident $target:ident $documented:tt) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        $vis struct $target;
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        $vis type $path_type = $crate::utoipa::__Documented<$target, $name>;
        const _: () = $documented;
    };
}

/// Without the `utoipa` feature: the error that says to enable it.
#[cfg(not(feature = "utoipa"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_path {
    (placeholder $($tokens:tt)*) => {};
    ($($tokens:tt)*) => {
        ::core::compile_error! {
            "`#[utoipa::path]` under `#[scopegate::endpoint]` needs scopegate's `utoipa` feature\n\
= help: enable it: `scopegate = { version = \"0.1\", features = [\"utoipa\"] }`"
        }
    };
}

/// The registry `scopegate::registry!()` built, or the panic of [`Registry::global`](crate::Registry::global).
#[track_caller]
pub fn valid_registry(built: Result<crate::Registry, Vec<crate::RegistryError>>) -> crate::Registry {
    built.unwrap_or_else(|errors| crate::registry::invalid(&errors))
}

/// The capacity of a rule message built during const evaluation.
const MESSAGE: usize = 2048;

/// A rule message built during const evaluation (see `scopegate_core::rules`).
pub type ConstMessage = scopegate_core::rules::Message<MESSAGE>;

/// Rules R1, R2 and R4 for an endpoint that names a permission class, evaluated in a `const` so
/// that they hold for classes declared in other modules and crates; the macros check the same
/// rules, with the same messages, when the scopes are written on the endpoint itself.
///
/// Returns the error message, which the generated code turns into a compile-time panic.
pub const fn check_class_endpoint(
    class: &PermissionClass,
    method: Method,
    endpoint: &str,
    has_exception: bool,
) -> Option<ConstMessage> {
    use scopegate_core::rules;
    // R4: the class must map the endpoint's method.
    let Some(entry) = class.get(method) else {
        return Some(rules::class_maps_no_method(endpoint, method, class.name()));
    };
    let readonly = entry.readonly_scopes();
    let debt = rules::is_policy_debt(method, !readonly.is_empty());
    // R1: a mutation accepting read-only scopes needs a justification, here or on the class.
    if debt && !has_exception && entry.readonly_exception().is_none() {
        let scope_match = entry.requirement().scope_match();
        return Some(rules::readonly_on_mutation(
            endpoint,
            method,
            scope_match,
            readonly,
            Some(class.name()),
        ));
    }
    // R2: a justification that justifies nothing (`has_exception` is only passed for mutations:
    // on a safe method the macro reported the note already).
    if has_exception && !debt {
        let name = method.as_str();
        return Some(rules::stale_exception(
            &["`readonly_exception` on ", endpoint, " ", name],
            &[class.name(), " accepts no read-only scope for ", name],
        ));
    }
    None
}
