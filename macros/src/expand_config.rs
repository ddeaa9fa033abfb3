//! `scopegate::config!()`: the crate's configuration as a `&'static scopegate::Config`.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::config::{self, Config, Gate};

fn opt_str(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn gate_tokens(g: &Gate) -> TokenStream {
    let Gate { name, feature, allowlists, areas, bypass } = g;
    let superuser = bypass.active_superuser;
    let org = opt_str(&bypass.org_token_scope);
    let integration = opt_str(&bypass.integration_scope);
    quote! {
        ::scopegate::__private::GateDef::__new(
            #name, #feature, #allowlists, &[#(#areas),*],
            ::scopegate::__private::Bypass {
                active_superuser: #superuser,
                org_token_scope: #org,
                integration_scope: #integration,
            },
        )
    }
}

/// An expression of type `scopegate::Config` (not a reference).
pub(crate) fn config_value(c: &Config) -> TokenStream {
    let scopes = &c.scopes;
    let readonly = &c.readonly;
    let implies = c.implies.iter().map(|(s, i)| quote!((#s, &[#(#i),*])));
    let gates = c.gates.iter().map(gate_tokens);
    let organization_param = &c.organization_param;
    let single_tenant = if c.organizations { TokenStream::new() } else { quote!(.__single_tenant()) };
    quote! {
        ::scopegate::__private::Config::__new(
            ::scopegate::__private::Vocabulary::__new(&[#(#scopes),*], &[#(#readonly),*], &[#(#implies),*]),
            &[#(#gates),*],
        )
        .__with_organization_param(#organization_param)
        #single_tenant
    }
}

/// `const _: &[u8] = include_bytes!("…/scopegate.toml");` so that editing the file rebuilds the crate.
pub(crate) fn track_file(c: &Config) -> TokenStream {
    match c.file.as_ref().and_then(|f| f.to_str()) {
        Some(path) => quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        ),
        None => TokenStream::new(),
    }
}

/// Tracks the crate's `scopegate.toml` when it exists but cannot be parsed (so fixing it rebuilds).
pub(crate) fn track_broken_file() -> TokenStream {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else { return TokenStream::new() };
    let file = std::path::PathBuf::from(dir).join("scopegate.toml");
    match file.to_str() {
        Some(path) if file.exists() => quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        ),
        _ => TokenStream::new(),
    }
}

/// The error for a `scopegate.toml` that cannot be used; `error` starts with `path:line:column:`.
fn config_error(error: &str) -> TokenStream {
    let msg = crate::ctxt::with_help(
        error,
        "fix scopegate.toml beside Cargo.toml; its format is documented at `scopegate::config_format`",
    );
    syn::Error::new(Span::call_site(), msg).into_compile_error()
}

/// An attribute's expansion against an explicit configuration (`endpoint::expand_with`, …).
pub(crate) type Expansion = fn(&Config, TokenStream, TokenStream) -> TokenStream;

/// An attribute's expansion against the crate's `scopegate.toml` (loaded once per crate
/// compilation); a broken file gives one error naming its file and line, and the item unchanged.
/// The item is always re-emitted, plus either the registration or every error.
pub(crate) fn with_crate_config(expand: Expansion, args: TokenStream, item: TokenStream) -> TokenStream {
    expand_loaded(&config::load(), expand, args, item)
}

/// [`with_crate_config`] against the result of loading a configuration.
pub(crate) fn expand_loaded(
    loaded: &Result<Config, config::ConfigError>,
    expand: Expansion,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    match loaded {
        Ok(config) => expand(config, args, item),
        Err(e) => broken_config_item(e, item),
    }
}

/// What `#[endpoint]` and `#[permission]` expand to when the crate's `scopegate.toml` is broken: the
/// item unchanged (so no follow-on errors), the file tracked (so fixing it rebuilds), and the error.
pub(crate) fn broken_config_item(error: &str, item: TokenStream) -> TokenStream {
    let err = config_error(error);
    let track = track_broken_file();
    quote!(#item const _: () = { #track }; #err)
}

pub(crate) fn expand_crate_config(input: TokenStream) -> TokenStream {
    expand_crate_config_loaded(&config::load(), input)
}

/// `config!()` against the result of loading the crate's configuration.
pub(crate) fn expand_crate_config_loaded(
    loaded: &Result<Config, config::ConfigError>,
    input: TokenStream,
) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "`scopegate::config!()` takes no arguments")
            .into_compile_error();
    }
    match loaded {
        Ok(c) => {
            let value = config_value(c);
            let track = track_file(c);
            quote!({
                #track
                const __SCOPEGATE_CONFIG: ::scopegate::__private::Config = #value;
                &__SCOPEGATE_CONFIG
            })
        }
        Err(e) => {
            let track = track_broken_file();
            let err = config_error(e);
            quote!({ #track #err ::scopegate::Config::sentry() })
        }
    }
}

pub(crate) fn expand_default_config(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "takes no arguments").into_compile_error();
    }
    config_value(&Config::sentry())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compile_errors, starts_with};
    use crate::{endpoint, permission};

    /// A crate directory holding a broken `scopegate.toml`, removed on drop.
    struct BrokenCrate(std::path::PathBuf);

    impl BrokenCrate {
        fn new(name: &str, toml: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("scopegate-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            std::fs::write(dir.join("scopegate.toml"), toml).expect("write");
            BrokenCrate(dir)
        }
    }

    impl Drop for BrokenCrate {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The `[tenancy]` mistakes reach the user as the compile error of every macro of the crate,
    /// like every other mistake of the file (trybuild cannot place a `scopegate.toml` beside its
    /// generated crate, so this is the diagnostic's end-to-end test).
    #[test]
    fn tenancy_mistakes_are_compile_errors_naming_file_line_and_column() {
        for (name, toml, at, message) in [
            (
                "tenancy-param",
                "[tenancy]\norganization_param = \"{org}\"\n",
                "2:22",
                "`tenancy.organization_param` `{org}` must be a path parameter name (letters, digits, `_`)",
            ),
            (
                "tenancy-both",
                "[tenancy]\norganizations = false\norganization_param = \"workspace\"\n",
                "3:22",
                "`tenancy.organization_param` has no meaning with `organizations = false`: remove one of them",
            ),
        ] {
            let krate = BrokenCrate::new(name, toml);
            let loaded = config::load_from(&krate.0);
            let expected = format!(
                "{}:{at}: {message}\n= help: fix scopegate.toml beside Cargo.toml; its format is documented at \
                 `scopegate::config_format`",
                krate.0.join("scopegate.toml").display()
            );
            let handler = quote!(
                fn handler() {}
            );
            let out = expand_loaded(
                &loaded,
                endpoint::expand_with,
                quote!(method = GET, path = "/", authenticated = "x"),
                handler.clone(),
            );
            assert!(starts_with(&out, &handler), "{out}");
            assert_eq!(compile_errors(&out), [expected]);
        }
    }

    #[test]
    fn a_broken_file_is_one_error_naming_file_line_and_column_in_every_macro() {
        let krate =
            BrokenCrate::new("broken", "[scopes]\nknown = [\"doc:read\"]\nreadonly = [\"doc:raed\"]\n");
        let loaded = config::load_from(&krate.0);
        let file = krate.0.join("scopegate.toml");
        let expected = format!(
            "{}:3:13: read-only scope `doc:raed` is not in `scopes.known`\n= help: fix scopegate.toml beside \
             Cargo.toml; its format is documented at `scopegate::config_format`",
            file.display()
        );
        let handler = quote!(
            fn handler() {}
        );
        let out = expand_loaded(
            &loaded,
            endpoint::expand_with,
            quote!(method = GET, path = "/", scopes = ["x"]),
            handler.clone(),
        );
        assert!(starts_with(&out, &handler), "{out}");
        assert_eq!(compile_errors(&out), std::slice::from_ref(&expected));

        let class = quote!(
            pub struct P;
        );
        let out = expand_loaded(&loaded, permission::expand_with, quote!(GET = ["x"]), class.clone());
        assert!(starts_with(&out, &class), "{out}");
        assert_eq!(compile_errors(&out), std::slice::from_ref(&expected));

        let out = expand_crate_config_loaded(&loaded, TokenStream::new());
        assert_eq!(compile_errors(&out), [expected]);
        // Still an expression of the right type, so the error is the only one.
        assert!(out.to_string().contains(":: scopegate :: Config :: sentry ()"), "{out}");
    }

    #[test]
    fn a_valid_file_is_tracked_so_that_editing_it_rebuilds() {
        let krate = BrokenCrate::new("valid", "[scopes]\nknown = [\"doc:read\"]\n");
        let loaded = config::load_from(&krate.0);
        let out = expand_crate_config_loaded(&loaded, TokenStream::new()).to_string();
        let file = krate.0.join("scopegate.toml");
        let include = format!("include_bytes ! ({:?})", file.display().to_string());
        assert!(out.contains(&include), "{out}");
        assert!(out.contains(r#"Vocabulary :: __new (& ["doc:read"] , & [] , & [])"#), "{out}");
        // The built-in configuration has no file to track.
        assert!(track_file(&Config::sentry()).is_empty());
    }

    #[test]
    fn config_takes_no_arguments() {
        let out = expand_crate_config_loaded(&Ok(Config::sentry()), quote!(x));
        assert_eq!(compile_errors(&out), ["`scopegate::config!()` takes no arguments"]);
        let out = expand_default_config(quote!(x));
        assert_eq!(compile_errors(&out).len(), 1);
    }

    #[test]
    fn the_built_in_config_expands_every_scope_and_gate() {
        let out = config_value(&Config::sentry()).to_string();
        for scope in Config::sentry().scopes {
            assert!(out.contains(&format!("{scope:?}")), "{scope} missing from {out}");
        }
        assert!(
            out.contains(
                r#"GateDef :: __new ("replay" , "organizations:session-replay" , true , & ["replays"]"#
            ),
            "{out}"
        );
        assert!(
            out.contains(r#"org_token_scope : :: core :: option :: Option :: Some ("event:read")"#),
            "{out}"
        );
    }
}
