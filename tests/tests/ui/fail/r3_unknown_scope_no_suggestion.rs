// R3: a scope far from every known one gets no suggestion, only the list of known scopes.

#[scopegate::endpoint(
    method = GET,
    path = "/organizations/{organization_id_or_slug}/invoices/",
    scopes = ["billing"],
)]
fn list_invoices() {}

fn main() {}
