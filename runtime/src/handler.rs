//! The proof a declared handler's body takes: its body runs only behind its own permission check.

use std::fmt;
use std::marker::PhantomData;

/// Proof that the permission check of `H`'s declaration allowed the request: the first argument
/// of every declared handler's body.
///
/// `#[scopegate::endpoint]` on `async fn show(Path(id): Path<u64>) -> … { body }` leaves under the
/// name `show` only a hidden type that carries the declaration, with the body as its associated
/// function of the same name, `show::show(Checked<show>, Path(id): Path<u64>) -> … { body }`:
///
/// - [`routes![show]`](crate::routes) finds both the declaration and the body through that one
///   type, so no local function or closure named `show` can be mounted under the declaration;
/// - `show` is no function, so mounting it anywhere else does not compile
///   (`axum::Router::new().route("/x", get(show))` and `.fallback(show)` fail with "expected
///   value, found struct `show`");
/// - `show::show` mounted by hand compiles but never runs the body: as an axum extractor
///   (feature `axum`) `Checked<show>` succeeds only on a request that the
///   [`scopegate::axum`](crate::axum) router decided for `show`'s own declaration; any other
///   request is answered 500 `enforcement_missing` (and logged at `error`) before the body runs.
///
/// Unit tests call the body directly, with a proof made for tests ([`Checked::for_tests`], feature
/// `testing`, which a service enables for its `[dev-dependencies]` only, so that production code
/// cannot make a proof):
///
/// ```
/// use scopegate::Checked;
///
/// #[scopegate::endpoint(method = GET, path = "/checked-docs/answer/", scopes = ["org:read"])]
/// async fn answer(prefix: String) -> String {
///     format!("{prefix} 42")
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(answer::answer(Checked::for_tests(), "the answer is".into()).await, "the answer is 42");
/// # }
/// ```
pub struct Checked<H>(PhantomData<fn() -> H>);

impl<H> Checked<H> {
    /// A proof for calling a handler's body directly in a unit test, without a request (feature
    /// `testing`: for `[dev-dependencies]`, never in a service's own build, where it would let code
    /// run a body without its check).
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub const fn for_tests() -> Checked<H> {
        Checked(PhantomData)
    }

    /// Only the `scopegate::axum` router makes one for a request.
    #[cfg(feature = "axum")]
    pub(crate) const fn decided() -> Checked<H> {
        Checked(PhantomData)
    }
}

impl<H> Clone for Checked<H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H> Copy for Checked<H> {}

impl<H> fmt::Debug for Checked<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checked<{}>", std::any::type_name::<H>())
    }
}
