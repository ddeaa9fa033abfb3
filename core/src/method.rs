//! HTTP methods an endpoint can be declared with.

use core::fmt;

/// An HTTP method an endpoint can be declared with.
///
/// ```
/// use scopegate_core::Method;
/// assert!(Method::Put.is_mutation());
/// assert!(!Method::Get.is_mutation());
/// assert_eq!(Method::parse("PATCH"), Some(Method::Patch));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// Every method, in declaration order.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The names of [`ALL`](Self::ALL), as on the wire and in `#[endpoint(method = …)]`.
    pub const NAMES: [&'static str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];

    /// The method's name in upper case, as on the wire.
    pub const fn as_str(self) -> &'static str {
        Method::NAMES[self as usize]
    }

    /// The Rust name of the variant (`Put`), for generated code.
    pub const fn variant(self) -> &'static str {
        ["Get", "Head", "Options", "Post", "Put", "Patch", "Delete"][self as usize]
    }

    /// `true` for POST, PUT, PATCH and DELETE: the methods that change state.
    pub const fn is_mutation(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch | Method::Delete)
    }

    /// Parses a method name (exact, upper case, as HTTP requires). Unknown names give `None`.
    pub fn parse(name: &str) -> Option<Method> {
        Method::NAMES.iter().position(|n| *n == name).map(|i| Method::ALL[i])
    }

    /// A dense index (0..7), used for per-method tables.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Method`]s: the methods declared on one path, as an `Allow` header lists them.
///
/// ```
/// use scopegate_core::{Method, Methods};
/// let allow = Methods::EMPTY.with(Method::Put).with(Method::Get);
/// assert!(allow.contains(Method::Get) && !allow.contains(Method::Post));
/// assert_eq!(allow.to_string(), "GET, PUT");
/// assert_eq!(allow.iter().collect::<Vec<_>>(), [Method::Get, Method::Put]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Methods(u8);

impl Methods {
    /// No method.
    pub const EMPTY: Methods = Methods(0);

    /// The set with `method` added.
    #[must_use]
    pub const fn with(self, method: Method) -> Methods {
        Methods(self.0 | 1 << method.index())
    }

    /// `true` when `method` is in the set.
    pub const fn contains(self, method: Method) -> bool {
        self.0 & 1 << method.index() != 0
    }

    /// `true` when the set holds no method.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The methods, in [`Method::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Method> {
        Method::ALL.into_iter().filter(move |m| self.contains(*m))
    }
}

impl FromIterator<Method> for Methods {
    fn from_iter<I: IntoIterator<Item = Method>>(iter: I) -> Methods {
        iter.into_iter().fold(Methods::EMPTY, Methods::with)
    }
}

/// The `Allow` header's form: `GET, HEAD, PUT`.
impl fmt::Display for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(m.as_str())?;
        }
        Ok(())
    }
}
