// R4: axum 0.8's router (matchit) names path parameters `a` to `z` internally and panics on a
// 27th; the macro refuses such a template where it is written. A trailing catch-all is not counted.

#[scopegate::endpoint(
    method = GET,
    path = "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{p11}/{p12}/{p13}/{p14}/{p15}/{p16}/{p17}/{p18}/{p19}/{p20}/{p21}/{p22}/{p23}/{p24}/{p25}/{p26}/",
    unauthenticated = "a route axum cannot mount"
)]
async fn too_many() {}

#[scopegate::endpoint(
    method = GET,
    path = "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{p11}/{p12}/{p13}/{p14}/{p15}/{p16}/{p17}/{p18}/{p19}/{p20}/{p21}/{p22}/{p23}/{p24}/{p25}/{*rest}",
    unauthenticated = "26 parameters and a catch-all: accepted"
)]
async fn enough() {}

fn main() {}
