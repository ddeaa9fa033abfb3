//! Items the macros' generated code refers to. Not a public API: names and signatures may change
//! in any release.

pub use ::inventory;

pub use crate::config::{Bypass, Config, GateDef, Vocabulary};
pub use crate::record::{
    Access, Declaration, Declared, Endpoint, Method, MethodScopes, Permission, PermissionClass, Publish,
    Source,
};

/// The hidden declaration type `#[scopegate::endpoint]` puts beside a handler (see
/// `record::Declared`). A macro rather than a plain item so that, on a function inside an `impl`
/// block (where no struct may appear), rustc's error names what is wrong: "the usage of
/// `endpoint_handlers_must_be_free_functions!` is likely invalid in impl item context".
#[doc(hidden)]
#[macro_export]
macro_rules! endpoint_handlers_must_be_free_functions {
    ($vis:vis $name:ident; $($registration:tt)*) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        $vis struct $name {}
        $($registration)*
    };
}

/// The registry `scopegate::registry!()` built, or the panic of [`Registry::global`].
#[track_caller]
pub fn valid_registry(built: Result<crate::Registry, Vec<crate::RegistryError>>) -> crate::Registry {
    built.unwrap_or_else(|errors| crate::registry::invalid(&errors))
}

/// A fixed-capacity string built during const evaluation, for compile-time error messages.
#[derive(Debug)]
pub struct ConstMessage {
    buf: [u8; 1024],
    len: usize,
}

impl ConstMessage {
    const fn new() -> Self {
        ConstMessage { buf: [0; 1024], len: 0 }
    }

    const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        // A piece that would overflow the buffer is dropped whole, so the text stays valid UTF-8
        // (messages are far shorter than the buffer: names and a few scopes).
        if self.len + bytes.len() > self.buf.len() {
            return self;
        }
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_list(mut self, items: &[&str]) -> Self {
        self = self.push("[");
        let mut i = 0;
        while i < items.len() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push("\"").push(items[i]).push("\"");
            i += 1;
        }
        self.push("]")
    }

    const fn fail(self) -> Option<ConstMessage> {
        Some(self)
    }

    /// The message text.
    pub const fn as_str(&self) -> &str {
        let (bytes, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(msg) => msg,
            Err(_) => "scopegate: invalid permission class",
        }
    }
}

/// Compile-time check of an endpoint that names a permission class (rules R1, R2, R4), evaluated in
/// a `const` so that it works for classes declared in other modules and crates.
///
/// Returns the error message, which the generated code turns into a compile-time panic.
pub const fn check_class_endpoint(
    class: &PermissionClass,
    method: Method,
    endpoint: &str,
    has_exception: bool,
) -> Option<ConstMessage> {
    let Some(entry) = class.get(method) else {
        return ConstMessage::new()
            .push(endpoint)
            .push(" ")
            .push(method.as_str())
            .push(" uses ")
            .push(class.name())
            .push(", which maps no scopes for ")
            .push(method.as_str())
            .push(": every request would be denied.\n= help: add `")
            .push(method.as_str())
            .push(" = [...]` to ")
            .push(class.name())
            .push(", or name a class that maps ")
            .push(method.as_str())
            .fail();
    };
    let readonly = entry.readonly_scopes();
    if method.is_mutation() && !readonly.is_empty() && !has_exception && entry.readonly_exception().is_none()
    {
        return ConstMessage::new()
            .push(endpoint)
            .push(" ")
            .push(method.as_str())
            .push(" accepts readonly scopes ")
            .push_list(readonly)
            .push(" via ")
            .push(class.name())
            .push(". Remove the readonly scopes or add a readonly_exception with a justification.\n= help: add `readonly_exception = \"why holders of read-only scopes may call this\"` to the endpoint, or `readonly_exceptions(")
            .push(method.as_str())
            .push(" = \"why\")` to the class ")
            .push(class.name())
            .fail();
    }
    if has_exception && readonly.is_empty() {
        return ConstMessage::new()
            .push("`readonly_exception` on ")
            .push(endpoint)
            .push(" ")
            .push(method.as_str())
            .push(" is not needed: ")
            .push(class.name())
            .push(" accepts no read-only scope for ")
            .push(method.as_str())
            .push(".\n= help: remove it; stale notes hide the real policy debt")
            .fail();
    }
    None
}
