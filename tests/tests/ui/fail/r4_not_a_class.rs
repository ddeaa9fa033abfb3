// R4: `permission` names a type that was not declared with `#[scopegate::permission]`.

pub struct SomeTypeThatIsNotAClass;

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    permission = SomeTypeThatIsNotAClass,
)]
fn organization_details() {}

fn main() {}
