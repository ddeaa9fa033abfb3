//! Credential secrets: generation and hashing.
//!
//! A secret is a kind prefix and 64 random hex digits, e.g. `sgu_3f…`. Only its SHA-256 hash is
//! stored, so a leaked database leaks no usable credential; the prefix tells which table to look
//! in without trying each one.
//!
//! ```
//! use scopegate_demo::token::{Secret, TokenKind};
//! let secret = Secret::generate(TokenKind::User).unwrap();
//! assert!(secret.as_str().starts_with("sgu_"));
//! assert_eq!(TokenKind::of(secret.as_str()), Some(TokenKind::User));
//! assert_eq!(secret.hash(), scopegate_demo::token::hash(secret.as_str()));
//! ```

use std::fmt;

use sha2::{Digest, Sha256};

/// The kinds of credential, told apart by the secret's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A login session (`sgs_…`), sent as `Authorization: Session <secret>`.
    Session,
    /// A user auth token (`sgu_…`), sent as `Authorization: Bearer <secret>`.
    User,
    /// An organization auth token (`sgo_…`), sent as `Authorization: Bearer <secret>`.
    Org,
}

impl TokenKind {
    /// The secret's prefix, e.g. `sgu_`.
    pub const fn prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "sgs_",
            TokenKind::User => "sgu_",
            TokenKind::Org => "sgo_",
        }
    }

    /// The kind of a presented secret, from its prefix; `None` for anything else.
    pub fn of(secret: &str) -> Option<TokenKind> {
        [TokenKind::Session, TokenKind::User, TokenKind::Org]
            .into_iter()
            .find(|k| secret.starts_with(k.prefix()))
    }
}

/// A freshly generated secret. Shown once, then only its [`hash`](Secret::hash) is kept.
///
/// `Debug` does not print the secret.
pub struct Secret(String);

impl Secret {
    /// Generates a secret of `kind` from the operating system's random source.
    ///
    /// # Errors
    /// When the operating system provides no randomness.
    pub fn generate(kind: TokenKind) -> Result<Secret, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Secret(format!("{}{}", kind.prefix(), hex(&bytes))))
    }

    /// The secret itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash to store.
    pub fn hash(&self) -> String {
        hash(&self.0)
    }

    /// The last four characters, stored to help people recognise a token in a list.
    pub fn last_characters(&self) -> String {
        let start = self.0.len().saturating_sub(4);
        self.0.get(start..).unwrap_or_default().to_owned()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&"<redacted>").finish()
    }
}

/// The stored form of a presented secret: SHA-256, as 64 lowercase hex digits.
///
/// ```
/// assert_eq!(
///     scopegate_demo::token::hash("abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_prefixed_and_hash_stably() {
        let a = Secret::generate(TokenKind::Org).unwrap();
        let b = Secret::generate(TokenKind::Org).unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 4 + 64);
        assert!(a.as_str()[4..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.hash(), hash(a.as_str()));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        assert_eq!(a.last_characters(), a.as_str()[a.as_str().len() - 4..]);
        assert!(!format!("{a:?}").contains(&a.as_str()[4..]));
    }

    #[test]
    fn kinds_come_from_prefixes() {
        assert_eq!(TokenKind::of("sgs_00"), Some(TokenKind::Session));
        assert_eq!(TokenKind::of("sgo_00"), Some(TokenKind::Org));
        assert_eq!(TokenKind::of("sntrys_00"), None);
        assert_eq!(TokenKind::of(""), None);
    }
}
