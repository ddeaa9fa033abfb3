//! The policy configuration the macros check against: the scope vocabulary and the gates.
//!
//! Built in: Sentry's scopes, read-only set and hierarchy, and the `replay` gate. A crate replaces the
//! vocabulary (and adds gates) with a `scopegate.toml` beside its `Cargo.toml`:
//!
//! ```toml
//! [scopes]
//! known = ["doc:read", "doc:write"]
//! readonly = ["doc:read"]
//! implies = { "doc:write" = ["doc:read"] }
//!
//! [gates.profiling]
//! feature = "organizations:profiling"
//! allowlists = false
//! areas = ["profiling"]
//! bypass = { active_superuser = true }
//! ```

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

use serde::Deserialize;
use toml::Spanned;

/// The most scopes a vocabulary may hold (the runtime's scope sets have a bit per scope).
pub(crate) const MAX_SCOPES: usize = scopegate_core::MAX_SCOPES;

/// Which principals skip a gate's access lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bypass {
    pub(crate) active_superuser: bool,
    pub(crate) org_token_scope: Option<String>,
    pub(crate) integration_scope: Option<String>,
}

/// A feature-area gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gate {
    pub(crate) name: String,
    pub(crate) feature: String,
    pub(crate) allowlists: bool,
    pub(crate) areas: Vec<String>,
    pub(crate) bypass: Bypass,
}

impl Gate {
    /// Does the path template lie in this gate's area?
    pub(crate) fn covers(&self, path: &str) -> bool {
        scopegate_core::gate::covers(&self.areas, path)
    }
}

/// A resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) scopes: Vec<String>,
    pub(crate) readonly: Vec<String>,
    /// Closed hierarchy: scope → every scope it implies (excluding itself), in vocabulary order.
    pub(crate) implies: Vec<(String, Vec<String>)>,
    pub(crate) gates: Vec<Gate>,
    /// The path parameter that names the target organization: an endpoint whose template has it
    /// is organization-scoped (Sentry: `organization_id_or_slug`).
    pub(crate) organization_param: String,
    /// `false` for a single-tenant service (`[tenancy] organizations = false`).
    pub(crate) organizations: bool,
    /// The `scopegate.toml` this came from, if any (tracked so that editing it rebuilds).
    pub(crate) file: Option<PathBuf>,
}

/// Sentry's organization parameter, the default of `[tenancy] organization_param`.
pub(crate) const DEFAULT_ORGANIZATION_PARAM: &str = "organization_id_or_slug";

impl Config {
    pub(crate) fn is_known(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub(crate) fn is_readonly(&self, scope: &str) -> bool {
        self.readonly.iter().any(|s| s == scope)
    }

    /// Does `scope` imply `other` (a different scope) through the hierarchy?
    pub(crate) fn implies(&self, scope: &str, other: &str) -> bool {
        self.implies.iter().any(|(from, to)| from == scope && to.iter().any(|t| t == other))
    }

    pub(crate) fn gate(&self, name: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.name == name)
    }

    /// Sentry's vocabulary and the `replay` gate.
    pub(crate) fn sentry() -> Config {
        const SCOPES: &[&str] = &[
            "org:read",
            "org:write",
            "org:admin",
            "org:integrations",
            "org:ci",
            "member:invite",
            "member:read",
            "member:write",
            "member:admin",
            "team:read",
            "team:write",
            "team:admin",
            "project:read",
            "project:write",
            "project:admin",
            "project:releases",
            "project:distribution",
            "event:read",
            "event:write",
            "event:admin",
            "alerts:read",
            "alerts:write",
            "openid",
            "profile",
            "email",
        ];
        const READONLY: &[&str] =
            &["org:read", "member:read", "team:read", "project:read", "event:read", "alerts:read"];
        const IMPLIES: &[(&str, &[&str])] = &[
            ("org:write", &["org:read"]),
            ("org:admin", &["org:read", "org:write", "org:integrations"]),
            ("member:invite", &["member:read"]),
            ("member:write", &["member:read", "member:invite"]),
            ("member:admin", &["member:read", "member:invite", "member:write"]),
            ("team:write", &["team:read"]),
            ("team:admin", &["team:write"]),
            ("project:write", &["project:read"]),
            ("project:admin", &["project:write"]),
            ("event:write", &["event:read"]),
            ("event:admin", &["event:write"]),
            ("alerts:write", &["alerts:read"]),
        ];
        let scopes: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
        let direct: Vec<(String, Vec<String>)> =
            IMPLIES.iter().map(|(s, i)| (s.to_string(), i.iter().map(|x| x.to_string()).collect())).collect();
        Config {
            implies: close_hierarchy(&scopes, &direct),
            scopes,
            readonly: READONLY.iter().map(|s| s.to_string()).collect(),
            gates: vec![replay_gate()],
            organization_param: DEFAULT_ORGANIZATION_PARAM.to_string(),
            organizations: true,
            file: None,
        }
    }
}

fn replay_gate() -> Gate {
    Gate {
        name: "replay".into(),
        feature: "organizations:session-replay".into(),
        allowlists: true,
        areas: vec!["replays".into()],
        bypass: Bypass {
            active_superuser: true,
            org_token_scope: Some("event:read".into()),
            integration_scope: Some("event:read".into()),
        },
    }
}

/// Transitive closure of the direct hierarchy (`scopegate_core::hierarchy::close`), keeping
/// vocabulary order; scopes implying nothing are left out.
fn close_hierarchy(scopes: &[String], direct: &[(String, Vec<String>)]) -> Vec<(String, Vec<String>)> {
    let names: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let targets: Vec<Vec<&str>> =
        direct.iter().map(|(_, to)| to.iter().map(String::as_str).collect()).collect();
    let direct: Vec<(&str, &[&str])> =
        direct.iter().zip(&targets).map(|((from, _), to)| (from.as_str(), to.as_slice())).collect();
    scopegate_core::hierarchy::close(&names, &direct)
        .into_iter()
        .map(|(scope, implied)| (scope.to_string(), implied.into_iter().map(str::to_string).collect()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// scopegate.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    scopes: Option<Spanned<FileScopes>>,
    #[serde(default)]
    gates: BTreeMap<Spanned<String>, Spanned<FileGate>>,
    tenancy: Option<FileTenancy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTenancy {
    organizations: Option<bool>,
    organization_param: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScopes {
    known: Vec<Spanned<String>>,
    #[serde(default)]
    readonly: Vec<Spanned<String>>,
    #[serde(default)]
    implies: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGate {
    feature: Spanned<String>,
    #[serde(default)]
    allowlists: bool,
    #[serde(default)]
    areas: Vec<Spanned<String>>,
    #[serde(default)]
    bypass: FileBypass,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileBypass {
    #[serde(default)]
    active_superuser: bool,
    org_token_scope: Option<Spanned<String>>,
    integration_scope: Option<Spanned<String>>,
}

/// An error in `scopegate.toml`, already formatted as `path:line:column: message`.
pub(crate) type ConfigError = String;

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses the text of a `scopegate.toml`. `file` is only used in messages.
pub(crate) fn parse_config(file: &Path, text: &str) -> Result<Config, ConfigError> {
    let at = |span: std::ops::Range<usize>, msg: &str| {
        let (line, col) = line_col(text, span.start);
        format!("{}:{line}:{col}: {msg}", file.display())
    };
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        at(span, e.message().trim())
    })?;

    let mut config = Config::sentry();
    config.file = Some(file.to_path_buf());

    if let Some(scopes) = doc.scopes {
        let span = scopes.span();
        let scopes = scopes.into_inner();
        if scopes.known.is_empty() {
            return Err(at(span, "`scopes.known` must list at least one scope"));
        }
        if scopes.known.len() > MAX_SCOPES {
            return Err(at(
                span,
                &format!(
                    "a vocabulary holds at most {MAX_SCOPES} scopes, this one has {}",
                    scopes.known.len()
                ),
            ));
        }
        let mut known: Vec<String> = Vec::new();
        for s in &scopes.known {
            let name = s.get_ref();
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
                return Err(at(
                    s.span(),
                    &format!(
                        "invalid scope name {name:?}: scopes are non-empty and contain no spaces or quotes"
                    ),
                ));
            }
            if known.contains(name) {
                return Err(at(s.span(), &format!("scope `{name}` is listed twice")));
            }
            known.push(name.clone());
        }
        let check_known = |s: &Spanned<String>, what: &str| -> Result<(), ConfigError> {
            if known.contains(s.get_ref()) {
                Ok(())
            } else {
                Err(at(s.span(), &format!("{what} `{}` is not in `scopes.known`", s.get_ref())))
            }
        };
        let mut readonly = Vec::new();
        for s in &scopes.readonly {
            check_known(s, "read-only scope")?;
            if !readonly.contains(s.get_ref()) {
                readonly.push(s.get_ref().clone());
            }
        }
        let mut direct = Vec::new();
        for (from, to) in &scopes.implies {
            check_known(from, "scope")?;
            let mut list = Vec::new();
            for t in to {
                check_known(t, "implied scope")?;
                list.push(t.get_ref().clone());
            }
            direct.push((from.get_ref().clone(), list));
        }
        config.implies = close_hierarchy(&known, &direct);
        config.scopes = known;
        config.readonly = readonly;
    }

    let tenancy = doc.tenancy.map(|t| (t.organizations.unwrap_or(true), t.organization_param));
    if let Some((false, Some(param))) = &tenancy {
        return Err(at(
            param.span(),
            "`tenancy.organization_param` has no meaning with `organizations = false`: remove one of them",
        ));
    }
    if let Some((false, None)) = tenancy {
        config.organizations = false;
    }
    if let Some(param) = tenancy.and_then(|(_, p)| p) {
        if !is_identifier(param.get_ref()) {
            return Err(at(
                param.span(),
                &format!(
                    "`tenancy.organization_param` `{}` must be a path parameter name (letters, digits, `_`)",
                    param.get_ref()
                ),
            ));
        }
        config.organization_param = param.into_inner();
    }

    // Gates' bypass scopes must exist in the final vocabulary; the built-in replay gate's bypass
    // scope is dropped when a custom vocabulary lacks it.
    for gate in &mut config.gates {
        for slot in [&mut gate.bypass.org_token_scope, &mut gate.bypass.integration_scope] {
            if slot.as_ref().is_some_and(|s| !config.scopes.contains(s)) {
                *slot = None;
            }
        }
    }

    for (name, gate) in doc.gates {
        let name_span = name.span();
        let name = name.into_inner();
        if !is_identifier(&name) {
            return Err(at(
                name_span,
                &format!("gate name `{name}` must be an identifier (letters, digits, `_`)"),
            ));
        }
        let gate = gate.into_inner();
        if gate.feature.get_ref().trim().is_empty() {
            return Err(at(gate.feature.span(), "a gate's `feature` must not be blank"));
        }
        let mut areas = Vec::new();
        for a in &gate.areas {
            let seg = a.get_ref();
            if seg.is_empty() || seg.contains('/') || seg.contains('{') || seg.contains('}') {
                return Err(at(
                    a.span(),
                    &format!("area `{seg}` must be one literal path segment, without `/` or `{{}}`"),
                ));
            }
            areas.push(seg.clone());
        }
        let mut bypass = Bypass { active_superuser: gate.bypass.active_superuser, ..Bypass::default() };
        for (src, dst) in [
            (&gate.bypass.org_token_scope, &mut bypass.org_token_scope),
            (&gate.bypass.integration_scope, &mut bypass.integration_scope),
        ] {
            if let Some(s) = src {
                if !config.scopes.contains(s.get_ref()) {
                    return Err(at(
                        s.span(),
                        &format!("bypass scope `{}` is not a known scope", s.get_ref()),
                    ));
                }
                *dst = Some(s.get_ref().clone());
            }
        }
        let def = Gate {
            name: name.clone(),
            feature: gate.feature.into_inner(),
            allowlists: gate.allowlists,
            areas,
            bypass,
        };
        match config.gates.iter_mut().find(|g| g.name == name) {
            Some(existing) => *existing = def,
            None => config.gates.push(def),
        }
    }
    Ok(config)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

type Cached = (Option<(SystemTime, u64)>, Rc<Result<Config, ConfigError>>);

thread_local! {
    static CACHE: RefCell<HashMap<PathBuf, Cached>> = RefCell::new(HashMap::new());
}

/// The configuration of the crate being compiled: its `scopegate.toml` or the built-in one.
pub(crate) fn load() -> Rc<Result<Config, ConfigError>> {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => load_from(Path::new(&dir)),
        None => Rc::new(Ok(Config::sentry())),
    }
}

/// The configuration of the crate whose manifest lies in `dir`, cached per file and re-read when
/// the file's modification time or length changes.
pub(crate) fn load_from(dir: &Path) -> Rc<Result<Config, ConfigError>> {
    let file = dir.join("scopegate.toml");
    let stamp =
        std::fs::metadata(&file).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((cached_stamp, config)) = cache.get(&file)
            && *cached_stamp == stamp
        {
            return Rc::clone(config);
        }
        let config = Rc::new(match stamp {
            None => Ok(Config::sentry()),
            Some(_) => match std::fs::read_to_string(&file) {
                Ok(text) => parse_config(&file, &text),
                Err(e) => Err(format!("{}: cannot read: {e}", file.display())),
            },
        });
        cache.insert(file, (stamp, Rc::clone(&config)));
        config
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenancy_names_the_organization_parameter() {
        let f = Path::new("scopegate.toml");
        assert_eq!(Config::sentry().organization_param, "organization_id_or_slug");
        let c = parse_config(f, "[tenancy]\norganization_param = \"workspace\"\n").expect("valid");
        assert_eq!(c.organization_param, "workspace");
        let e = parse_config(f, "[tenancy]\norganization_param = \"{org}\"\n").expect_err("not a name");
        assert!(e.starts_with("scopegate.toml:2:22: `tenancy.organization_param`"), "{e}");
        let single = parse_config(f, "[tenancy]\norganizations = false\n").expect("valid");
        assert!(!single.organizations);
        let e = parse_config(f, "[tenancy]\norganizations = false\norganization_param = \"x\"\n")
            .expect_err("contradiction");
        assert!(e.contains("has no meaning"), "{e}");
        let e = parse_config(f, "[tenancy]\norgs = false\n").expect_err("unknown key");
        assert!(e.starts_with("scopegate.toml:2:1:"), "{e}");
    }

    #[test]
    fn sentry_hierarchy_is_closed() {
        let c = Config::sentry();
        let get =
            |s: &str| c.implies.iter().find(|(k, _)| k == s).map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!(get("team:admin"), ["team:read", "team:write"]);
        assert_eq!(get("member:admin"), ["member:invite", "member:read", "member:write"]);
        assert_eq!(get("org:admin"), ["org:read", "org:write", "org:integrations"]);
        assert!(get("project:releases").is_empty());
        assert!(get("project:admin").contains(&"project:read".to_string()));
    }

    #[test]
    fn parses_custom_vocabulary_and_gate() {
        let text = r#"
[scopes]
known = ["doc:read", "doc:write", "doc:admin"]
readonly = ["doc:read"]
implies = { "doc:admin" = ["doc:write"], "doc:write" = ["doc:read"] }

[gates.profiling]
feature = "organizations:profiling"
areas = ["profiling"]
bypass = { active_superuser = true, org_token_scope = "doc:read" }
"#;
        let c = parse_config(Path::new("scopegate.toml"), text).expect("valid");
        assert_eq!(c.scopes, ["doc:read", "doc:write", "doc:admin"]);
        assert_eq!(
            c.implies[1],
            ("doc:admin".to_string(), vec!["doc:read".to_string(), "doc:write".to_string()])
        );
        let g = c.gate("profiling").expect("gate");
        assert!(g.covers("/x/profiling/"));
        assert_eq!(g.bypass.org_token_scope.as_deref(), Some("doc:read"));
        // The built-in replay gate stays, without bypass scopes the vocabulary lacks.
        let r = c.gate("replay").expect("replay");
        assert_eq!(r.bypass.org_token_scope, None);
    }

    /// The error of `text`, which must be rejected.
    fn error(text: &str) -> String {
        match parse_config(Path::new("dir/scopegate.toml"), text) {
            Ok(c) => panic!("accepted {text:?}: {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_config_error_names_file_line_and_column() {
        let cases: &[(&str, &str)] = &[
            ("[scopes]\nknown = [\"a\", \"a\"]\n", "dir/scopegate.toml:2:15: scope `a` is listed twice"),
            ("[scopes]\nknown = [\"a b\"]\n", "dir/scopegate.toml:2:10: invalid scope name \"a b\""),
            ("[scopes]\nknown = [\"\"]\n", "dir/scopegate.toml:2:10: invalid scope name \"\""),
            (
                "\n[scopes]\nknown = []\n",
                "dir/scopegate.toml:2:1: `scopes.known` must list at least one scope",
            ),
            (
                "[scopes]\nknown = [\"a\"]\nimplies = { \"a\" = [\"b\"] }\n",
                "dir/scopegate.toml:3:20: implied scope `b` is not in `scopes.known`",
            ),
            (
                "[scopes]\nknown = [\"a\"]\nimplies = { \"c\" = [\"a\"] }\n",
                "dir/scopegate.toml:3:13: scope `c` is not in `scopes.known`",
            ),
            ("[scopes]\nknown = \"a\"\n", "dir/scopegate.toml:2:9: invalid type"),
            (
                "[gates.\"my-gate\"]\nfeature = \"f\"\n",
                "dir/scopegate.toml:1:8: gate name `my-gate` must be an identifier",
            ),
            ("[gates.g]\nfeature = \" \"\n", "dir/scopegate.toml:2:11: a gate's `feature` must not be blank"),
            (
                "[gates.g]\nfeature = \"f\"\nareas = [\"a/b\"]\n",
                "dir/scopegate.toml:3:10: area `a/b` must be one literal path segment",
            ),
            (
                "[gates.g]\nfeature = \"f\"\nareas = [\"{x}\"]\n",
                "dir/scopegate.toml:3:10: area `{x}` must be one literal",
            ),
            (
                "[gates.g]\nfeature = \"f\"\nbypass = { org_token_scope = \"nope\" }\n",
                "dir/scopegate.toml:3:30: bypass scope `nope` is not a known scope",
            ),
            ("[gates.g]\nfeature = \"f\"\ncolour = 1\n", "dir/scopegate.toml:3:1: unknown field `colour`"),
            ("[gates.g]\nareas = [\"x\"]\n", "dir/scopegate.toml:1:1: missing field `feature`"),
            ("colour = 1\n", "dir/scopegate.toml:1:1: unknown field `colour`"),
            ("[scopes\n", "dir/scopegate.toml:1:"),
        ];
        for (text, expected) in cases {
            let e = error(text);
            assert!(e.starts_with(expected), "{text:?}\n  gave     {e}\n  expected {expected}");
        }
    }

    #[test]
    fn vocabulary_size_is_bounded() {
        let scopes: Vec<String> = (0..=MAX_SCOPES).map(|i| format!("\"s{i}\"")).collect();
        let e = error(&format!("[scopes]\nknown = [{}]\n", scopes.join(", ")));
        assert!(e.contains("a vocabulary holds at most 1024 scopes, this one has 1025"), "{e}");
        let scopes: Vec<String> = (0..MAX_SCOPES).map(|i| format!("\"s{i}\"")).collect();
        let c = parse_config(Path::new("f"), &format!("[scopes]\nknown = [{}]\n", scopes.join(", ")));
        assert_eq!(c.map(|c| c.scopes.len()), Ok(MAX_SCOPES));
    }

    #[test]
    fn hierarchy_cycles_terminate_and_exclude_the_scope_itself() {
        let text = "[scopes]\nknown = [\"a\", \"b\", \"c\"]\nimplies = { a = [\"b\"], b = [\"c\", \"a\"] }\n";
        let c = parse_config(Path::new("f"), text).expect("valid");
        assert_eq!(
            c.implies,
            [
                ("a".to_string(), vec!["b".to_string(), "c".to_string()]),
                ("b".to_string(), vec!["a".to_string(), "c".to_string()]),
            ]
        );
    }

    #[test]
    fn a_gate_of_the_file_replaces_the_built_in_one() {
        let text =
            "[gates.replay]\nfeature = \"organizations:replay-v2\"\nareas = [\"replays\", \"recordings\"]\n";
        let c = parse_config(Path::new("f"), text).expect("valid");
        assert_eq!(c.gates.len(), 1);
        let g = c.gate("replay").expect("replay");
        assert_eq!(g.feature, "organizations:replay-v2");
        assert!(g.covers("/p/recordings/{id}/"));
        assert!(!g.allowlists, "fields left out take their defaults");
        assert_eq!(g.bypass, Bypass::default());
        // Without [scopes] the built-in vocabulary stays.
        assert_eq!(c.scopes, Config::sentry().scopes);
        assert_eq!(c.file.as_deref(), Some(Path::new("f")));
    }

    #[test]
    fn line_col_counts_characters_and_clamps() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
        // Not on a char boundary: never panics.
        let _ = line_col("éé", 1);
    }

    #[test]
    fn load_reads_the_crate_file_and_notices_edits() {
        let dir = std::env::temp_dir().join(format!("scopegate-macros-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("scopegate.toml");
        let _ = std::fs::remove_file(&file);

        // No file: the built-in configuration.
        assert_eq!(*load_from(&dir), Ok(Config::sentry()));

        std::fs::write(&file, "[scopes]\nknown = [\"doc:read\"]\n").expect("write");
        let loaded = load_from(&dir);
        let config = loaded.as_ref().as_ref().expect("valid");
        assert_eq!(config.scopes, ["doc:read"]);
        assert_eq!(config.file.as_deref(), Some(file.as_path()));

        // A broken edit is noticed (the length changes), and the error names the file and line.
        std::fs::write(&file, "[scopes]\nknown = [\"doc:read\"]\nreadonly = [\"doc:raed\"]\n")
            .expect("write");
        let e = load_from(&dir).as_ref().clone().expect_err("broken");
        let expected =
            format!("{}:3:13: read-only scope `doc:raed` is not in `scopes.known`", file.display());
        assert_eq!(e, expected);

        std::fs::remove_file(&file).expect("remove");
        assert_eq!(*load_from(&dir), Ok(Config::sentry()));
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn errors_name_file_and_line() {
        let text = "[scopes]\nknown = [\"a\"]\nreadonly = [\"b\"]\n";
        let e = parse_config(Path::new("/x/scopegate.toml"), text).expect_err("rejected");
        assert!(e.starts_with("/x/scopegate.toml:3:"), "{e}");
        assert!(e.contains("`b` is not in `scopes.known`"), "{e}");
        let e = parse_config(Path::new("f.toml"), "[scopes]\nknwn = 1\n").expect_err("rejected");
        assert!(e.starts_with("f.toml:2:"), "{e}");
        let e = parse_config(Path::new("f.toml"), "[scopes\n").expect_err("rejected");
        assert!(e.starts_with("f.toml:1:"), "{e}");
    }
}
