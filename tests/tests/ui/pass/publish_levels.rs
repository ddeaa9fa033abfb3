// Every publish level; only `public` needs an owner, and the default is `private`.

use scopegate::Publish;

#[scopegate::endpoint(method = GET, path = "/a/", scopes = ["org:read"])]
fn default_level() {}

#[scopegate::endpoint(method = GET, path = "/b/", scopes = ["org:read"], publish = private)]
fn private_level() {}

#[scopegate::endpoint(method = GET, path = "/c/", scopes = ["org:read"], publish = experimental)]
fn experimental_level() {}

#[scopegate::endpoint(method = GET, path = "/d/", scopes = ["org:read"], publish = public_experimental)]
fn public_experimental_level() {}

#[scopegate::endpoint(method = GET, path = "/e/", scopes = ["org:read"], publish = public, owner = "core")]
fn public_level() {}

fn main() {
    let levels: Vec<(&str, Publish, &str)> =
        scopegate::Registry::global().iter().map(|e| (e.path(), e.publish(), e.owner())).collect();
    assert_eq!(
        levels,
        [
            ("/a/", Publish::Private, "unowned"),
            ("/b/", Publish::Private, "unowned"),
            ("/c/", Publish::Experimental, "unowned"),
            ("/d/", Publish::PublicExperimental, "unowned"),
            ("/e/", Publish::Public, "core"),
        ]
    );
}
