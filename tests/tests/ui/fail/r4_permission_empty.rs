// R4 on a class: a class that maps no method grants nothing.

#[scopegate::permission()]
pub struct NobodyPermission;

fn main() {}
