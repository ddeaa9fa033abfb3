//! Policy debt and the baseline that only shrinks.
//!
//! *Policy debt* is every mutation that accepts read-only scopes, each with its written
//! justification (`readonly_exception`). [`DebtReport`] lists it, counted per owner.
//!
//! A [`Baseline`] pins, per endpoint (keyed by `"METHOD path"`), the policy facts a review must see
//! change: the required scopes and how they are matched (any one, or all together), the read-only
//! ones and their justification, the gate, and whether the endpoint needs credentials. [`audit`]
//! compares a registry with a baseline and fails on any regression — a new exception, a newly
//! accepted read-only scope on a mutation, a looser scope requirement (a scope added to an any-of
//! list or dropped from an all-of one, an all-of requirement turned any-of), a lost gate, an
//! endpoint that stopped requiring credentials, or a new endpoint that carries debt — while removed
//! debt and stricter policy pass. Accepting a regression is a deliberate act:
//! rewrite the baseline (`audit --update`, see [`crate::cli`]) and commit it, so the diff shows it.
//!
//! Each exception's planned policy (what it adds and drops) and sunset are listed in the
//! [`DebtReport`]; an exception whose sunset day has come is listed in the report's
//! [`sunsets_passed`](AuditReport::sunsets_passed), which `audit --strict` fails on (the date
//! taken as today is an [`AuditOptions`] field, so tests need no clock).
//!
//! ```standalone_crate
//! use scopegate::audit::{Baseline, audit};
//!
//! #[scopegate::endpoint(
//!     method = POST, path = "/organizations/{org}/searches/",
//!     scopes = ["org:read", "org:write"],
//!     readonly_exception = "Members may save personal searches without org:write.",
//!     owner = "search",
//! )]
//! fn create_search() {}
//!
//! let registry = scopegate::Registry::global();
//! let baseline = Baseline::from_registry(registry);
//! assert!(audit(registry, &baseline).passed());
//!
//! // An empty baseline does not know this debt yet: the audit fails and names the endpoint.
//! let report = audit(registry, &Baseline::default());
//! assert!(!report.passed());
//! assert!(report.to_string().contains("POST /organizations/{org}/searches/"));
//! assert!(report.to_string().contains("--update"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::record::{AccessForm, Date, Endpoint, Method, ScopeMatch, Source};
use crate::registry::Registry;
use crate::tighten::PlannedPolicy;

/// The `format` tag of a baseline file.
pub const BASELINE_FORMAT: &str = "scopegate-policy-baseline/1";

/// The usual file name of a baseline, at the root of a service's repository.
pub const DEFAULT_BASELINE: &str = "policy-baseline.json";

// ---------------------------------------------------------------------------------------------
// Debt report
// ---------------------------------------------------------------------------------------------

/// One mutation that accepts read-only scopes: a unit of policy debt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debt {
    /// The handler's full path.
    pub handler: &'static str,
    /// The (mutating) method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// Every scope of the requirement.
    pub scopes: &'static [&'static str],
    /// How `scopes` are matched: any one of them, or all of them together.
    pub scope_match: ScopeMatch,
    /// The read-only scopes through which read-only credentials meet the requirement (for
    /// `all(...)`, every scope: all of them are read-only).
    pub readonly_scopes: &'static [&'static str],
    /// The permission class the scopes come from, if any.
    pub class: Option<&'static str>,
    /// The owning team or area.
    pub owner: &'static str,
    /// The justification (`readonly_exception` of the endpoint or its class).
    pub note: Option<&'static str>,
    /// The planned policy that replaces the exception, with the scopes it adds and drops.
    pub plan: Option<PlannedPolicy>,
    /// The day the exception ends (`sunset`), if one is set.
    pub sunset: Option<Date>,
    /// Where the handler is declared.
    pub source: Source,
}

impl Debt {
    /// The debt an endpoint carries, if any.
    pub fn of(e: &'static Endpoint) -> Option<Debt> {
        e.has_policy_debt().then(|| Debt {
            handler: e.handler(),
            method: e.method(),
            path: e.path(),
            scopes: e.scopes(),
            scope_match: e.scope_match().unwrap_or_default(),
            readonly_scopes: e.readonly_scopes(),
            class: e.permission().map(|c| c.name()),
            owner: e.owner(),
            note: e.readonly_exception(),
            plan: PlannedPolicy::of(e),
            sunset: e.sunset(),
            source: e.source(),
        })
    }
}

/// Every unit of policy debt of a registry, sorted by owner, then path, then method.
///
/// ```standalone_crate
/// #[scopegate::endpoint(
///     method = PUT, path = "/organizations/{org}/dashboards/{id}/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members may edit dashboards they created.",
///     owner = "dashboards",
/// )]
/// fn update_dashboard() {}
///
/// let report = scopegate::audit::DebtReport::new(scopegate::Registry::global());
/// assert_eq!(report.items().len(), 1);
/// assert_eq!(report.per_owner().get("dashboards"), Some(&1));
/// assert!(report.to_string().contains("Members may edit dashboards they created."));
/// // Its planned policy: the requirement without the read-only scope.
/// assert!(report.to_string().contains("plan: org:write; adds nothing; drops org:read"));
/// assert!(report.to_string().contains("sunset: none"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebtReport {
    items: Vec<Debt>,
}

impl DebtReport {
    /// Collects the debt of `registry`.
    pub fn new(registry: &Registry) -> DebtReport {
        let mut items: Vec<Debt> = registry.iter().filter_map(Debt::of).collect();
        items.sort_by(|a, b| (a.owner, a.path, a.method).cmp(&(b.owner, b.path, b.method)));
        DebtReport { items }
    }

    /// Every unit of debt, sorted by owner, then path, then method.
    pub fn items(&self) -> &[Debt] {
        &self.items
    }

    /// How many units of debt each owner carries (owners without debt are absent).
    pub fn per_owner(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for d in &self.items {
            *counts.entry(d.owner).or_insert(0) += 1;
        }
        counts
    }

    /// How many units of debt there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` when no mutation accepts a read-only scope.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl fmt::Display for DebtReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.items.is_empty() {
            return writeln!(f, "policy debt: none (no mutation accepts a read-only scope)");
        }
        let counts = self.per_owner();
        writeln!(
            f,
            "policy debt: {} mutations accept read-only scopes ({})",
            self.items.len(),
            owner_counts(&counts)
        )?;
        let mut owner = None;
        for d in &self.items {
            if owner != Some(d.owner) {
                owner = Some(d.owner);
                writeln!(f, "  {} ({})", d.owner, counts.get(d.owner).copied().unwrap_or(0))?;
            }
            writeln!(f, "    {} {}  {}  ({})", d.method, d.path, d.handler, d.source)?;
            let scopes = match d.scope_match {
                ScopeMatch::Any => d.scopes.join(", "),
                ScopeMatch::All => format!("all of {}", d.scopes.join(" + ")),
            };
            write!(f, "      scopes: {scopes}; read-only: {}", d.readonly_scopes.join(", "))?;
            match d.class {
                Some(class) => writeln!(f, "; class: {class}")?,
                None => writeln!(f)?,
            }
            writeln!(f, "      note: {}", d.note.unwrap_or("(none)"))?;
            if let Some(plan) = &d.plan {
                writeln!(
                    f,
                    "      plan: {}; adds {}; drops {}",
                    requirement_text(plan.scopes(), plan.scope_match()),
                    scopes_or_nothing(&plan.adds),
                    scopes_or_nothing(&plan.drops)
                )?;
            }
            match d.sunset {
                Some(date) => writeln!(f, "      sunset: {date}")?,
                None => writeln!(f, "      sunset: none")?,
            }
        }
        Ok(())
    }
}

/// A requirement as the debt report writes it: `a, b` (any one), `all of a + b`, or `none (denies
/// every request)`.
fn requirement_text(scopes: &[&str], scope_match: ScopeMatch) -> String {
    match scope_match {
        _ if scopes.is_empty() => "none (denies every request)".to_string(),
        ScopeMatch::All if scopes.len() > 1 => format!("all of {}", scopes.join(" + ")),
        _ => scopes.join(", "),
    }
}

fn scopes_or_nothing(scopes: &[&str]) -> String {
    if scopes.is_empty() { "nothing".to_string() } else { scopes.join(", ") }
}

fn owner_counts(counts: &BTreeMap<&str, usize>) -> String {
    counts.iter().map(|(o, n)| format!("{o}: {n}")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// Baseline
// ---------------------------------------------------------------------------------------------

/// Identifies an endpoint in a baseline: `"METHOD path"`. Ordered by path, then method.
///
/// ```
/// use scopegate::audit::EndpointKey;
/// let key: EndpointKey = "PUT /organizations/{org}/".parse().unwrap();
/// assert_eq!(key.method, scopegate::Method::Put);
/// assert_eq!(key.to_string(), "PUT /organizations/{org}/");
/// assert!("put /x/".parse::<EndpointKey>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointKey {
    /// The path template (compared first).
    pub path: String,
    /// The method.
    pub method: Method,
}

impl EndpointKey {
    /// The key of an endpoint.
    pub fn of(e: &Endpoint) -> EndpointKey {
        EndpointKey { path: e.path().to_string(), method: e.method() }
    }
}

impl fmt::Display for EndpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl std::str::FromStr for EndpointKey {
    type Err = BaselineError;

    fn from_str(s: &str) -> Result<EndpointKey, BaselineError> {
        let bad = || BaselineError::BadKey(s.to_string());
        let (method, path) = s.split_once(' ').ok_or_else(bad)?;
        let method = Method::parse(method).ok_or_else(bad)?;
        if !path.starts_with('/') || path.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        Ok(EndpointKey { path: path.to_string(), method })
    }
}

/// The policy facts a baseline pins for one endpoint.
///
/// Compared by [`audit`]: `scopes` and `scope_match`, `readonly_scopes`, `gate` and the access form
/// (`unauthenticated`, `authenticated`, `superuser`). Kept for the reader of the diff: `handler`,
/// `owner`, `readonly_exception` (the note's wording may change without failing the audit) and
/// the exception's `sunset` (moving it fails only `audit --strict`, until the baseline records it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFacts {
    /// The handler's full path.
    pub handler: String,
    /// The owning team or area.
    pub owner: String,
    /// Every scope of the requirement, sorted.
    pub scopes: Vec<String>,
    /// How `scopes` are matched: `any` one of them grants access (`scopes = [...]`), or `all` of
    /// them are needed together (`scopes = all(...)`). Written only when `all`, so baselines
    /// without all-of requirements keep their shape, and a baseline without the field (written
    /// before all-of requirements existed) reads as `any`.
    #[serde(default, skip_serializing_if = "is_any", with = "scope_match_text")]
    pub scope_match: ScopeMatch,
    /// The read-only scopes through which read-only credentials meet the requirement, sorted:
    /// the read-only subset of an any-of list; for an all-of list, every scope when all are
    /// read-only, else none.
    #[serde(default)]
    pub readonly_scopes: Vec<String>,
    /// The justification for accepting read-only scopes on a mutation.
    #[serde(default)]
    pub readonly_exception: Option<String>,
    /// The day the read-only exception ends (`sunset`), written `"YYYY-MM-DD"`. Written only when
    /// set, so baselines without sunsets keep their shape, and a baseline without the field
    /// (written before sunsets existed) reads as none.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "sunset_text")]
    pub sunset: Option<Date>,
    /// The feature-area gate.
    #[serde(default)]
    pub gate: Option<String>,
    /// `true` when the endpoint needs no credentials.
    #[serde(default)]
    pub unauthenticated: bool,
    /// `true` when any signed-in caller may call it without a scope (`authenticated`). Written
    /// only when true, so baselines without such endpoints keep their shape.
    #[serde(default, skip_serializing_if = "is_false")]
    pub authenticated: bool,
    /// `true` when only active superusers may call it (`superuser`); written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub superuser: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_any(m: &ScopeMatch) -> bool {
    *m == ScopeMatch::Any
}

/// `scope_match` as its keyword (`"any"`, `"all"`), like the JSON dump writes it.
mod scope_match_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::record::ScopeMatch;

    pub(super) fn serialize<S: Serializer>(m: &ScopeMatch, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(m.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ScopeMatch, D::Error> {
        let text = String::deserialize(deserializer)?;
        [ScopeMatch::Any, ScopeMatch::All].into_iter().find(|m| m.as_str() == text).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "unknown scope_match {text:?}, expected \"any\" or \"all\""
            ))
        })
    }
}

/// `sunset` as `"YYYY-MM-DD"`, like the JSON dump writes it.
mod sunset_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::record::Date;

    pub(super) fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else { return Ok(None) };
        Date::parse(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format_args!("bad sunset {text:?}, expected a date written YYYY-MM-DD"))
        })
    }
}

impl PolicyFacts {
    /// The access form these facts record (`scopes` stands for `permission` too: the facts keep
    /// the scopes, not where they came from).
    fn form(&self) -> AccessForm {
        match (self.unauthenticated, self.authenticated, self.superuser) {
            (true, _, _) => AccessForm::Unauthenticated,
            (_, true, _) => AccessForm::Authenticated,
            (_, _, true) => AccessForm::Superuser,
            _ => AccessForm::Scopes,
        }
    }

    /// [`Endpoint::has_policy_debt`] of the endpoint these facts were recorded from, declared
    /// with `method`.
    pub fn has_policy_debt(&self, method: Method) -> bool {
        scopegate_core::rules::is_policy_debt(method, !self.readonly_scopes.is_empty())
    }

    /// The facts of an endpoint.
    pub fn of(e: &Endpoint) -> PolicyFacts {
        let sorted = |s: &[&str]| {
            let mut v: Vec<String> = s.iter().map(|s| s.to_string()).collect();
            v.sort();
            v.dedup();
            v
        };
        PolicyFacts {
            handler: e.handler().to_string(),
            owner: e.owner().to_string(),
            scopes: sorted(e.scopes()),
            scope_match: e.scope_match().unwrap_or_default(),
            readonly_scopes: sorted(e.readonly_scopes()),
            readonly_exception: if e.has_policy_debt() {
                e.readonly_exception().map(str::to_string)
            } else {
                None
            },
            sunset: if e.has_policy_debt() { e.sunset() } else { None },
            gate: e.gate().map(str::to_string),
            unauthenticated: !e.requires_credentials(),
            authenticated: e.authenticated().is_some(),
            superuser: e.superuser().is_some(),
        }
    }
}

/// A committed record of every endpoint's policy facts, keyed by `"METHOD path"`.
///
/// Its JSON form is stable and meant to be diffed: `{"format": "scopegate-policy-baseline/1",
/// "endpoints": {"GET /path/": {"handler", "owner", "scopes", "readonly_scopes",
/// "readonly_exception", "gate", "unauthenticated"}}}`, endpoints sorted by path then method, scope
/// lists sorted, two-space indentation, a trailing newline. Facts that hold for few endpoints are
/// written only when they do: `"scope_match": "all"` (after `scopes`) for an all-of requirement,
/// `"sunset": "YYYY-MM-DD"` (after `readonly_exception`) for an exception with a sunset,
/// `"authenticated": true`, `"superuser": true`.
///
/// ```standalone_crate
/// # #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
/// # fn details() {}
/// use scopegate::audit::Baseline;
/// let baseline = Baseline::from_registry(scopegate::Registry::global());
/// let text = baseline.to_json();
/// assert!(text.contains("\"GET /organizations/{org}/\""));
/// assert_eq!(Baseline::parse(&text).unwrap(), baseline);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    endpoints: BTreeMap<EndpointKey, PolicyFacts>,
}

impl Baseline {
    /// The baseline that pins `registry` as it is.
    pub fn from_registry(registry: &Registry) -> Baseline {
        Baseline { endpoints: registry.iter().map(|e| (EndpointKey::of(e), PolicyFacts::of(e))).collect() }
    }

    /// Parses a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            format: String,
            endpoints: BTreeMap<String, PolicyFacts>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| BaselineError::Json(e.to_string()))?;
        if file.format != BASELINE_FORMAT {
            return Err(BaselineError::UnsupportedFormat(file.format));
        }
        let mut endpoints = BTreeMap::new();
        for (key, facts) in file.endpoints {
            endpoints.insert(key.parse::<EndpointKey>()?, facts);
        }
        Ok(Baseline { endpoints })
    }

    /// Reads and parses a baseline file.
    pub fn read(path: impl AsRef<Path>) -> Result<Baseline, BaselineError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| BaselineError::Io { path: path.to_path_buf(), message: e.to_string() })?;
        Baseline::parse(&text).map_err(|e| e.in_file(path))
    }

    /// The baseline's JSON text (see the type's documentation for the layout).
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            format!("{{\"format\": {:?}, \"error\": {:?}}}", BASELINE_FORMAT, e.to_string())
        });
        out.push('\n');
        out
    }

    /// Writes the baseline's JSON text to `path`, replacing the file.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), BaselineError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json())
            .map_err(|e| BaselineError::Io { path: path.to_path_buf(), message: e.to_string() })
    }

    /// The facts pinned for `key`.
    pub fn get(&self, key: &EndpointKey) -> Option<&PolicyFacts> {
        self.endpoints.get(key)
    }

    /// Every pinned endpoint, sorted by path then method.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&EndpointKey, &PolicyFacts)> + '_ {
        self.endpoints.iter()
    }

    /// Pins `facts` for `key` (replacing what was there), e.g. to build a baseline by hand.
    pub fn insert(&mut self, key: EndpointKey, facts: PolicyFacts) -> Option<PolicyFacts> {
        self.endpoints.insert(key, facts)
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &EndpointKey) -> Option<PolicyFacts> {
        self.endpoints.remove(key)
    }

    /// How many endpoints are pinned.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    /// `true` when nothing is pinned.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }
}

impl Serialize for Baseline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Entries<'a>(&'a BTreeMap<EndpointKey, PolicyFacts>);
        impl Serialize for Entries<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (key, facts) in self.0 {
                    map.serialize_entry(&key.to_string(), facts)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("format", BASELINE_FORMAT)?;
        map.serialize_entry("endpoints", &Entries(&self.endpoints))?;
        map.end()
    }
}

/// Writes the baseline of `registry` to `path` (what `audit --update` does).
pub fn write_baseline(registry: &Registry, path: impl AsRef<Path>) -> Result<Baseline, BaselineError> {
    let baseline = Baseline::from_registry(registry);
    baseline.write(path)?;
    Ok(baseline)
}

/// A baseline that cannot be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file cannot be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The text is not a baseline (bad JSON, missing or unknown fields).
    Json(String),
    /// The `format` tag is not [`BASELINE_FORMAT`].
    UnsupportedFormat(String),
    /// An endpoint key is not `"METHOD /path"`.
    BadKey(String),
    /// One of the other errors, in a file.
    InFile {
        /// The file.
        path: PathBuf,
        /// The error.
        error: Box<BaselineError>,
    },
}

impl BaselineError {
    fn in_file(self, path: &Path) -> BaselineError {
        BaselineError::InFile { path: path.to_path_buf(), error: Box::new(self) }
    }

    /// `true` when the error is a missing file (so a caller can suggest creating it).
    pub fn is_not_found(&self) -> bool {
        match self {
            BaselineError::Io { path, .. } => !path.exists(),
            BaselineError::InFile { error, .. } => error.is_not_found(),
            _ => false,
        }
    }
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaselineError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            BaselineError::Json(e) => write!(f, "not a scopegate policy baseline: {e}"),
            BaselineError::UnsupportedFormat(tag) => {
                write!(f, "unsupported baseline format {tag:?} (expected {BASELINE_FORMAT:?})")
            }
            BaselineError::BadKey(key) => {
                write!(
                    f,
                    "bad endpoint key {key:?}: expected \"METHOD /path\", e.g. \"GET /organizations/{{org}}/\""
                )
            }
            BaselineError::InFile { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for BaselineError {}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

/// What changed on one endpoint between the baseline and the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// Regression: an endpoint the baseline does not know accepts read-only scopes on a mutation.
    NewEndpointWithDebt {
        /// The read-only scopes it accepts.
        readonly_scopes: Vec<String>,
        /// Its justification.
        exception: Option<String>,
    },
    /// Regression: a mutation that accepted no read-only scope now does (a new exception).
    NewException {
        /// The read-only scopes it now accepts.
        readonly_scopes: Vec<String>,
        /// Its justification.
        exception: Option<String>,
    },
    /// Regression: a mutation with an exception accepts more read-only scopes than before.
    NewReadonlyScopes {
        /// The newly accepted read-only scopes.
        added: Vec<String>,
    },
    /// Regression: the endpoint accepts scopes it did not accept before (an any-of list grew).
    WidenedScopes {
        /// The newly accepted scopes (read-only scopes on mutations are reported separately).
        added: Vec<String>,
    },
    /// Regression: an all-of requirement needs fewer scopes: callers that lack them now get in.
    RequiredScopesDropped {
        /// The scopes no longer required (read-only scopes on mutations are reported separately).
        removed: Vec<String>,
    },
    /// Regression: any one of the scopes is now enough where all of them were needed together
    /// (`scopes = all(...)` became `scopes = [...]`).
    NowAnyOf {
        /// The all-of requirement of the baseline, sorted.
        was: Vec<String>,
        /// The any-of requirement now, sorted.
        now: Vec<String>,
    },
    /// Regression: an any-of requirement became an all-of requirement over other scopes, none
    /// of the old ones among them: callers holding every new scope get in without any old one
    /// (callers holding only old scopes no longer do: reported as [`Change::ScopesNarrowed`]).
    RequirementReplaced {
        /// The any-of requirement of the baseline, sorted.
        was: Vec<String>,
        /// The all-of requirement now, sorted.
        now: Vec<String>,
    },
    /// Regression: the endpoint no longer requires credentials.
    NowUnauthenticated,
    /// Regression: the endpoint lost its gate (or changed it to another one).
    LostGate {
        /// The gate in the baseline.
        was: String,
        /// The gate now, if any.
        now: Option<String>,
    },
    /// Improvement: the mutation no longer accepts read-only scopes (its exception is gone).
    ExceptionRemoved {
        /// The read-only scopes it accepted.
        readonly_scopes: Vec<String>,
    },
    /// Improvement: the mutation accepts fewer read-only scopes.
    ReadonlyScopesRemoved {
        /// The read-only scopes no longer accepted.
        removed: Vec<String>,
    },
    /// Improvement: the endpoint accepts fewer scopes (an any-of list shrank).
    ScopesNarrowed {
        /// The scopes no longer accepted.
        removed: Vec<String>,
    },
    /// Improvement: an all-of requirement needs more scopes.
    RequiredScopesAdded {
        /// The newly required scopes (read-only scopes on mutations are reported separately).
        added: Vec<String>,
    },
    /// Improvement: all of the scopes are now needed together where any one of them was enough
    /// (`scopes = [...]` became `scopes = all(...)`), the new requirement sharing a scope with the
    /// old one, so every caller it lets in was let in before.
    NowAllOf {
        /// The any-of requirement of the baseline, sorted.
        was: Vec<String>,
        /// The all-of requirement now, sorted.
        now: Vec<String>,
    },
    /// Improvement: the endpoint gained a gate.
    GateAdded {
        /// The gate.
        gate: String,
    },
    /// Improvement: the endpoint now requires credentials.
    NowAuthenticated,
    /// Regression: the endpoint checked scopes (or was reserved to superusers) and now lets any
    /// signed-in caller through (`authenticated`).
    NowAnySignedIn,
    /// Regression: the endpoint was reserved to active superusers and now accepts scopes.
    NoLongerSuperuserOnly,
    /// Improvement: the endpoint now asks more of its callers (scopes instead of any signed-in
    /// caller, or active superusers only).
    NowRestricted {
        /// `scopes` or `superuser`.
        to: String,
    },
    /// Improvement: the endpoint is gone (with whatever debt it carried).
    Removed {
        /// `true` when the baseline recorded debt for it.
        had_debt: bool,
    },
}

impl Change {
    /// `true` for the changes that fail the audit.
    pub fn is_regression(&self) -> bool {
        matches!(
            self,
            Change::NewEndpointWithDebt { .. }
                | Change::NewException { .. }
                | Change::NewReadonlyScopes { .. }
                | Change::WidenedScopes { .. }
                | Change::RequiredScopesDropped { .. }
                | Change::NowAnyOf { .. }
                | Change::RequirementReplaced { .. }
                | Change::NowUnauthenticated
                | Change::NowAnySignedIn
                | Change::NoLongerSuperuserOnly
                | Change::LostGate { .. }
        )
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// An all-of list as the dumps write it: `a + b`.
fn all_of(items: &[String]) -> String {
    items.join(" + ")
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let note = |f: &mut fmt::Formatter<'_>, e: &Option<String>| match e {
            Some(e) => write!(f, "; justification: {e:?}"),
            None => write!(f, "; no justification recorded"),
        };
        match self {
            Change::NewEndpointWithDebt { readonly_scopes, exception } => {
                write!(f, "new endpoint accepts read-only scopes on a mutation: {}", list(readonly_scopes))?;
                note(f, exception)
            }
            Change::NewException { readonly_scopes, exception } => {
                write!(f, "new read-only exception: the mutation now accepts {}", list(readonly_scopes))?;
                note(f, exception)
            }
            Change::NewReadonlyScopes { added } => {
                write!(f, "the mutation now also accepts read-only scopes {}", list(added))
            }
            Change::WidenedScopes { added } => {
                write!(f, "scope list widened: now also accepts {}", list(added))
            }
            Change::RequiredScopesDropped { removed } => {
                write!(f, "all-of requirement loosened: no longer requires {}", list(removed))
            }
            Change::NowAnyOf { was, now } => write!(
                f,
                "requirement loosened from all of {} together to any one of {}",
                all_of(was),
                list(now)
            ),
            Change::RequirementReplaced { was, now } => write!(
                f,
                "requirement replaced: now all of {} together instead of any one of {}; callers \
                 holding {} get in without any of the old scopes",
                all_of(now),
                list(was),
                all_of(now)
            ),
            Change::NowUnauthenticated => write!(f, "no longer requires credentials (now unauthenticated)"),
            Change::LostGate { was, now: Some(now) } => write!(f, "gate changed from `{was}` to `{now}`"),
            Change::LostGate { was, now: None } => write!(f, "lost its gate `{was}`"),
            Change::ExceptionRemoved { readonly_scopes } => {
                write!(f, "read-only exception removed (no longer accepts {})", list(readonly_scopes))
            }
            Change::ReadonlyScopesRemoved { removed } => {
                write!(f, "no longer accepts read-only scopes {}", list(removed))
            }
            Change::ScopesNarrowed { removed } => write!(f, "no longer accepts {}", list(removed)),
            Change::RequiredScopesAdded { added } => {
                write!(f, "all-of requirement tightened: now also requires {}", list(added))
            }
            Change::NowAllOf { was, now } => write!(
                f,
                "requirement tightened from any one of {} to all of {} together",
                list(was),
                all_of(now)
            ),
            Change::GateAdded { gate } => write!(f, "gained gate `{gate}`"),
            Change::NowAuthenticated => write!(f, "now requires credentials"),
            Change::NowAnySignedIn => {
                write!(f, "no longer checks scopes: any signed-in caller may call it (now `authenticated`)")
            }
            Change::NoLongerSuperuserOnly => write!(f, "no longer reserved to active superusers"),
            Change::NowRestricted { to } => write!(f, "access narrowed: now `{to}`"),
            Change::Removed { had_debt: true } => write!(f, "endpoint removed, with its read-only exception"),
            Change::Removed { had_debt: false } => write!(f, "endpoint removed"),
        }
    }
}

/// One change on one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The endpoint.
    pub key: EndpointKey,
    /// Its handler (from the registry, or from the baseline for a removed endpoint).
    pub handler: String,
    /// Where the handler is declared (absent for a removed endpoint).
    pub source: Option<Source>,
    /// What changed.
    pub change: Change,
}

/// The outcome of [`audit`]: regressions fail it; improvements and untracked endpoints pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Changes that fail the audit, in endpoint order.
    pub regressions: Vec<Finding>,
    /// Changes that shrink the policy (they pass; `--update` locks them in).
    pub improvements: Vec<Finding>,
    /// Endpoints the baseline does not know that carry no debt (they pass; `--update` pins them).
    pub untracked: Vec<EndpointKey>,
    /// `true` when the baseline differs from the registry in any way, even only in handler names,
    /// owners or the wording of a note: rewriting it with `--update` would change the file.
    pub stale: bool,
    /// The registry's current policy debt.
    pub debt: DebtReport,
    /// The day the audit took as today ([`AuditOptions::today`]).
    pub today: Date,
    /// The read-only exceptions whose sunset day has come (on or before [`today`](Self::today)):
    /// the `Sunset` header's moment, 00:00 UTC of that day, has passed. They do not fail
    /// [`passed`](Self::passed); `audit --strict` fails on them until each exception is removed
    /// (or its sunset moved and the baseline rewritten).
    pub sunsets_passed: Vec<Debt>,
}

impl AuditReport {
    /// `true` when there is no regression.
    pub fn passed(&self) -> bool {
        self.regressions.is_empty()
    }

    /// The distinct endpoints that have regressions, in order.
    pub fn failing_endpoints(&self) -> Vec<&EndpointKey> {
        let mut keys: Vec<&EndpointKey> = self.regressions.iter().map(|f| &f.key).collect();
        keys.dedup();
        keys
    }
}

fn findings_by_endpoint(findings: &[Finding]) -> Vec<(&Finding, Vec<&Change>)> {
    let mut out: Vec<(&Finding, Vec<&Change>)> = Vec::new();
    for finding in findings {
        match out.last_mut() {
            Some((first, changes)) if first.key == finding.key => changes.push(&finding.change),
            _ => out.push((finding, vec![&finding.change])),
        }
    }
    out
}

fn write_findings(f: &mut fmt::Formatter<'_>, findings: &[Finding]) -> fmt::Result {
    for (first, changes) in findings_by_endpoint(findings) {
        write!(f, "  {}  ({}", first.key, first.handler)?;
        if let Some(source) = first.source {
            write!(f, ", {source}")?;
        }
        writeln!(f, ")")?;
        for change in changes {
            writeln!(f, "    - {change}")?;
        }
    }
    Ok(())
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = self.debt.per_owner();
        let debt = if counts.is_empty() {
            "no read-only exceptions".to_string()
        } else {
            format!("{} read-only exceptions ({})", self.debt.len(), owner_counts(&counts))
        };
        if self.passed() {
            writeln!(f, "policy audit passed: {debt}")?;
        } else {
            let endpoints = self.failing_endpoints();
            writeln!(
                f,
                "policy audit FAILED: {} regression(s) on {} endpoint(s) against the baseline",
                self.regressions.len(),
                endpoints.len()
            )?;
            write_findings(f, &self.regressions)?;
            writeln!(f)?;
            writeln!(
                f,
                "If this is deliberate, accept it: rerun the audit with `--update` (`<your-service> \
                 audit --update`) and commit the rewritten baseline, so that the review shows the \
                 new policy. Otherwise narrow the scopes, restore the gate, or \
                 remove the read-only scopes from the mutation."
            )?;
            writeln!(f, "Current policy: {debt}.")?;
        }
        if !self.improvements.is_empty() {
            writeln!(f)?;
            writeln!(f, "improvements (the baseline can shrink; `--update` locks them in):")?;
            write_findings(f, &self.improvements)?;
        }
        if !self.untracked.is_empty() {
            writeln!(f)?;
            writeln!(f, "new endpoints without debt (not yet in the baseline; `--update` pins them):")?;
            for key in &self.untracked {
                writeln!(f, "  {key}")?;
            }
        }
        if self.passed() && self.stale && self.improvements.is_empty() && self.untracked.is_empty() {
            writeln!(
                f,
                "the baseline's descriptive fields (handler, owner, note, sunset) are out of date; `--update` \
                 refreshes them"
            )?;
        }
        if !self.sunsets_passed.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "read-only exceptions past their sunset (today is {}; `audit --strict` fails until each is \
                 removed — `tighten-report` says who still relies on it — or its sunset moved):",
                self.today
            )?;
            for d in &self.sunsets_passed {
                if let Some(sunset) = d.sunset {
                    writeln!(f, "  {} {}  ({}, {})  sunset {sunset}", d.method, d.path, d.handler, d.source)?;
                }
            }
        }
        Ok(())
    }
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    let b: BTreeSet<&String> = b.iter().collect();
    a.iter().filter(|s| !b.contains(s)).cloned().collect()
}

/// How the requirements of `old` and `now` are compared: their scope matches, except that a list
/// of one scope means the same either way (it takes the other side's match, so `["a"]` →
/// `all("a", "b")` is a scope added to an all-of list) and an empty list denies every request
/// whatever its match (compared as any-of, where it is the narrowest list).
fn effective_matches(old: &PolicyFacts, now: &PolicyFacts) -> (ScopeMatch, ScopeMatch) {
    match (old.scopes.len(), now.scopes.len()) {
        (0, _) | (_, 0) | (1, 1) => (ScopeMatch::Any, ScopeMatch::Any),
        (1, _) => (now.scope_match, now.scope_match),
        (_, 1) => (old.scope_match, old.scope_match),
        _ => (old.scope_match, now.scope_match),
    }
}

/// The changes between two scope requirements, classified by what they let in (the hierarchy
/// aside, as everywhere in the audit): a change that lets in a caller the baseline's requirement
/// refused is a regression, one that refuses a caller it let in an improvement, and a change that
/// does both is reported as one of each.
///
/// - any-of → any-of: added scopes widen the list (regression), removed ones narrow it;
/// - all-of → all-of: added scopes are required too (improvement), removed ones no longer are
///   (regression);
/// - any-of → all-of: stricter ([`Change::NowAllOf`], plus the any-of scopes the new list
///   leaves out), unless the new list shares no scope with the old one: then callers holding every
///   new scope get in ([`Change::RequirementReplaced`]) and holders of an old scope no longer do
///   ([`Change::ScopesNarrowed`]);
/// - all-of → any-of: looser ([`Change::NowAnyOf`]); with no scope in common, holders of the old
///   scopes and none of the new ones no longer get in ([`Change::ScopesNarrowed`]).
///
/// `reported` read-only scopes, already named by a debt finding, are left out of the added and
/// removed lists of any-of lists, where the debt finding goes the same way (a read-only scope
/// added to an any-of list on a mutation is a new exception, and a widening). Not out of those of
/// all-of lists, where it may go the other way: dropping a read-only scope from an all-of list
/// of read-only scopes pays the debt and still lets in callers without that scope.
fn requirement_changes(
    old: &PolicyFacts,
    now: &PolicyFacts,
    matches: (ScopeMatch, ScopeMatch),
    reported: &[String],
) -> Vec<Change> {
    let reported = if matches == (ScopeMatch::All, ScopeMatch::All) { &[][..] } else { reported };
    let added = minus(&minus(&now.scopes, &old.scopes), reported);
    let removed = minus(&minus(&old.scopes, &now.scopes), reported);
    let shares_a_scope = now.scopes.iter().any(|s| old.scopes.contains(s));
    let mut changes = Vec::new();
    match matches {
        (ScopeMatch::Any, ScopeMatch::Any) => {
            if !added.is_empty() {
                changes.push(Change::WidenedScopes { added });
            }
            if !removed.is_empty() {
                changes.push(Change::ScopesNarrowed { removed });
            }
        }
        (ScopeMatch::All, ScopeMatch::All) => {
            if !added.is_empty() {
                changes.push(Change::RequiredScopesAdded { added });
            }
            if !removed.is_empty() {
                changes.push(Change::RequiredScopesDropped { removed });
            }
        }
        (ScopeMatch::Any, ScopeMatch::All) => {
            if shares_a_scope {
                changes.push(Change::NowAllOf { was: old.scopes.clone(), now: now.scopes.clone() });
            } else {
                changes
                    .push(Change::RequirementReplaced { was: old.scopes.clone(), now: now.scopes.clone() });
            }
            if !removed.is_empty() {
                changes.push(Change::ScopesNarrowed { removed });
            }
        }
        (ScopeMatch::All, ScopeMatch::Any) => {
            changes.push(Change::NowAnyOf { was: old.scopes.clone(), now: now.scopes.clone() });
            if !shares_a_scope && !removed.is_empty() {
                changes.push(Change::ScopesNarrowed { removed });
            }
        }
    }
    changes
}

/// How [`audit_with`] runs.
///
/// ```
/// use scopegate::audit::AuditOptions;
/// let on = AuditOptions::on(scopegate::Date::parse("2027-02-01").unwrap());
/// assert_eq!(on.today.to_string(), "2027-02-01");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// The day taken as today, against which sunsets are compared.
    pub today: Date,
}

impl AuditOptions {
    /// Options taking `today` as today (tests, or a CI job auditing as of a given day).
    pub const fn on(today: Date) -> AuditOptions {
        AuditOptions { today }
    }

    /// Options taking today's date (UTC, from the system clock) as today.
    pub fn now() -> AuditOptions {
        AuditOptions::on(Date::today())
    }
}

impl Default for AuditOptions {
    /// [`AuditOptions::now`].
    fn default() -> Self {
        AuditOptions::now()
    }
}

/// Compares `registry` with `baseline` (see the [module documentation](self)), taking today's
/// date from the system clock for sunsets ([`audit_with`] takes it as an option).
pub fn audit(registry: &Registry, baseline: &Baseline) -> AuditReport {
    audit_with(registry, baseline, &AuditOptions::now())
}

/// [`audit`], with the day taken as today given in `options`: an exception whose sunset is that
/// day or earlier is listed in [`AuditReport::sunsets_passed`].
///
/// ```standalone_crate
/// use scopegate::Date;
/// use scopegate::audit::{AuditOptions, Baseline, audit_with};
///
/// #[scopegate::endpoint(
///     method = PUT, path = "/organizations/{org}/dashboards/{id}/",
///     scopes = ["org:read", "org:write"],
///     readonly_exception = "Members may edit dashboards they created.",
///     sunset = "2027-01-31",
/// )]
/// fn update_dashboard() {}
///
/// let registry = scopegate::Registry::global();
/// let baseline = Baseline::from_registry(registry);
/// let before = audit_with(registry, &baseline, &AuditOptions::on(Date::parse("2027-01-30").unwrap()));
/// assert!(before.passed() && before.sunsets_passed.is_empty());
/// let on_the_day = audit_with(registry, &baseline, &AuditOptions::on(Date::parse("2027-01-31").unwrap()));
/// assert!(on_the_day.passed());
/// assert_eq!(on_the_day.sunsets_passed[0].path, "/organizations/{org}/dashboards/{id}/");
/// assert!(on_the_day.to_string().contains("sunset 2027-01-31"));
/// ```
pub fn audit_with(registry: &Registry, baseline: &Baseline, options: &AuditOptions) -> AuditReport {
    let mut regressions = Vec::new();
    let mut improvements = Vec::new();
    let mut untracked = Vec::new();
    let mut seen = BTreeSet::new();

    let mut endpoints: Vec<&'static Endpoint> = registry.iter().collect();
    endpoints.sort_by(|a, b| (a.path(), a.method()).cmp(&(b.path(), b.method())));
    for e in endpoints {
        let key = EndpointKey::of(e);
        let now = PolicyFacts::of(e);
        let mut push = |change: Change| {
            let finding = Finding {
                key: key.clone(),
                handler: e.handler().to_string(),
                source: Some(e.source()),
                change,
            };
            if finding.change.is_regression() {
                regressions.push(finding)
            } else {
                improvements.push(finding)
            }
        };
        let Some(old) = baseline.get(&key) else {
            if e.has_policy_debt() {
                push(Change::NewEndpointWithDebt {
                    readonly_scopes: now.readonly_scopes.clone(),
                    exception: now.readonly_exception.clone(),
                });
            } else {
                untracked.push(key.clone());
            }
            seen.insert(key);
            continue;
        };
        let (debt_old, debt_now) = (old.has_policy_debt(key.method), now.has_policy_debt(key.method));
        let matches = effective_matches(old, &now);
        // Read-only scopes on a mutation reported by a debt finding, kept out of the scope diff.
        let mut reported: Vec<String> = Vec::new();
        match (debt_old, debt_now) {
            (false, true) => {
                reported = now.readonly_scopes.clone();
                push(Change::NewException {
                    readonly_scopes: now.readonly_scopes.clone(),
                    exception: now.readonly_exception.clone(),
                });
            }
            // Read-only scopes added to or removed from an any-of list on both sides; with an
            // all-of requirement on either side, the requirement's diff below says which way it went.
            (true, true) if matches == (ScopeMatch::Any, ScopeMatch::Any) => {
                let added = minus(&now.readonly_scopes, &old.readonly_scopes);
                let removed = minus(&old.readonly_scopes, &now.readonly_scopes);
                if !added.is_empty() {
                    reported.extend(added.iter().cloned());
                    push(Change::NewReadonlyScopes { added });
                }
                if !removed.is_empty() {
                    reported.extend(removed.iter().cloned());
                    push(Change::ReadonlyScopesRemoved { removed });
                }
            }
            (true, false) => {
                reported = old.readonly_scopes.clone();
                push(Change::ExceptionRemoved { readonly_scopes: old.readonly_scopes.clone() });
            }
            (true, true) | (false, false) => {}
        }
        let (was, form) = (old.form(), now.form());
        match (was.strictness(), form.strictness()) {
            (was, 0) if was > 0 => push(Change::NowUnauthenticated),
            (0, to) if to > 0 => push(Change::NowAuthenticated),
            (was, 1) if was > 1 => push(Change::NowAnySignedIn),
            (3, 2) => push(Change::NoLongerSuperuserOnly),
            (was, to) if was < to => push(Change::NowRestricted { to: form.keyword().to_string() }),
            _ => {
                for change in requirement_changes(old, &now, matches, &reported) {
                    push(change);
                }
            }
        }
        match (&old.gate, &now.gate) {
            (Some(was), now_gate) if now_gate.as_ref() != Some(was) => {
                push(Change::LostGate { was: was.clone(), now: now_gate.clone() });
            }
            (None, Some(gate)) => push(Change::GateAdded { gate: gate.clone() }),
            _ => {}
        }
        seen.insert(key);
    }
    for (key, old) in baseline.iter() {
        if !seen.contains(key) {
            improvements.push(Finding {
                key: key.clone(),
                handler: old.handler.clone(),
                source: None,
                change: Change::Removed { had_debt: old.has_policy_debt(key.method) },
            });
        }
    }
    improvements.sort_by(|a, b| a.key.cmp(&b.key));
    let debt = DebtReport::new(registry);
    let sunsets_passed =
        debt.items().iter().filter(|d| d.sunset.is_some_and(|day| day <= options.today)).cloned().collect();
    AuditReport {
        regressions,
        improvements,
        untracked,
        stale: Baseline::from_registry(registry) != *baseline,
        debt,
        today: options.today,
        sunsets_passed,
    }
}

/// Test assertion: panics with the audit report when `registry` has policy regressions against the
/// baseline text `baseline_json` (e.g. `include_str!("../policy-baseline.json")`), or when the
/// baseline cannot be parsed.
///
/// ```standalone_crate
/// #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
/// fn details() {}
///
/// let registry = scopegate::Registry::global();
/// let baseline = scopegate::audit::Baseline::from_registry(registry).to_json();
/// scopegate::audit::assert_no_new_debt(registry, &baseline);
/// ```
#[track_caller]
pub fn assert_no_new_debt(registry: &Registry, baseline_json: &str) {
    let baseline = match Baseline::parse(baseline_json) {
        Ok(b) => b,
        Err(e) => panic!("assert_no_new_debt: invalid policy baseline: {e}"),
    };
    if registry.is_empty() && !baseline.is_empty() {
        // Almost always a linking problem, not a deliberate removal of every endpoint: an
        // integration test binary only registers the endpoints of crates it references.
        panic!(
            "assert_no_new_debt: the registry is empty but the baseline pins {} endpoints; reference the \
             crate that declares them from this test (e.g. call one of its functions) so its endpoints \
             are linked in",
            baseline.len()
        );
    }
    let report = audit(registry, &baseline);
    if !report.passed() {
        panic!("{report}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(scopes: &[&str], scope_match: ScopeMatch) -> PolicyFacts {
        PolicyFacts {
            handler: "h".into(),
            owner: "o".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            scope_match,
            readonly_scopes: Vec::new(),
            readonly_exception: None,
            sunset: None,
            gate: None,
            unauthenticated: false,
            authenticated: false,
            superuser: false,
        }
    }

    /// Does a token holding exactly `token` meet the requirement (the hierarchy aside)?
    fn grants(f: &PolicyFacts, token: &[&str]) -> bool {
        let held = |s: &String| token.contains(&s.as_str());
        match f.scope_match {
            _ if f.scopes.is_empty() => false,
            ScopeMatch::Any => f.scopes.iter().any(held),
            ScopeMatch::All => f.scopes.iter().all(held),
        }
    }

    /// Every requirement over four scopes the macros accept: any-of lists of one to four scopes,
    /// all-of lists of two to four, and the empty list (a class that maps nothing).
    fn requirements() -> Vec<PolicyFacts> {
        const SCOPES: [&str; 4] = ["a", "b", "c", "d"];
        let mut out = vec![facts(&[], ScopeMatch::Any)];
        for bits in 1u32..16 {
            let scopes: Vec<&str> = (0..4).filter(|i| bits & (1 << i) != 0).map(|i| SCOPES[i]).collect();
            out.push(facts(&scopes, ScopeMatch::Any));
            if scopes.len() >= 2 {
                out.push(facts(&scopes, ScopeMatch::All));
            }
        }
        out
    }

    #[test]
    fn requirement_changes_are_regressions_exactly_when_they_let_someone_in() {
        let tokens: Vec<Vec<&str>> = (0u32..16)
            .map(|bits| {
                ["a", "b", "c", "d"]
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| bits & (1 << i) != 0)
                    .map(|(_, s)| s)
                    .collect()
            })
            .collect();
        for old in requirements() {
            for now in requirements() {
                let looser = tokens.iter().any(|t| grants(&now, t) && !grants(&old, t));
                let stricter = tokens.iter().any(|t| grants(&old, t) && !grants(&now, t));
                let changes = requirement_changes(&old, &now, effective_matches(&old, &now), &[]);
                let case = format!(
                    "{:?} {:?} → {:?} {:?}: {changes:?}",
                    old.scope_match, old.scopes, now.scope_match, now.scopes
                );
                assert_eq!(changes.iter().any(Change::is_regression), looser, "{case}");
                assert_eq!(changes.iter().any(|c| !c.is_regression()), stricter, "{case}");
            }
        }
    }
}
