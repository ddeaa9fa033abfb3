// R4: a permission class is a unit struct.

#[scopegate::permission(GET = ["org:read"])]
pub struct OrganizationPermission(u32);

fn main() {}
