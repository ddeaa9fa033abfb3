// R4: `#[permission]` goes on a unit struct, not on a function.

#[scopegate::permission(GET = ["org:read"])]
fn organization_permission() {}

fn main() {}
