// R4: `permission` names a type that does not exist.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/",
    permission = OrganizationPermision,
)]
fn organization_details() {}

fn main() {}
