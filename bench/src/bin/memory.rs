//! Memory per registered endpoint: the static record `#[scopegate::endpoint]` emits (the
//! `Endpoint` struct, its strings and slices, the `inventory` node), and the heap a `Registry`
//! (and the axum `ApiRouter` serving it) allocates per endpoint, measured with a counting allocator.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin memory`
//!
//! Heap figures are the bytes requested from the allocator (the allocator's own per-block
//! overhead is not included).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering};

use scopegate::{Config, Endpoint, MethodScopes, PermissionClass, Registry, Source};
use scopegate_bench::endpoints::{generated, sentry_like};
use scopegate_bench::server::{MemoryResolver, enforced_router};

/// Counts the bytes currently allocated and the peak.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn added(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are updated.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            added(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            added(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            added(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its value, the bytes it left allocated and its peak above the start.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let start = CURRENT.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let value = f();
    let retained = CURRENT.load(Ordering::Relaxed).saturating_sub(start);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(start);
    (value, retained, peak)
}

/// The `inventory` node `#[endpoint]` registers for each record (`&dyn` + next pointer), plus its
/// constructor's entry in `.init_array`.
const INVENTORY_NODE: usize =
    size_of::<(&'static dyn std::any::Any, Option<&'static u8>)>() + size_of::<fn()>();

/// Static bytes of one endpoint: the record, the inventory node, and its strings and slices.
/// `seen` collects strings and classes already counted, for the deduplicated total (the
/// compiler merges identical literals); the first figure counts everything.
#[derive(Debug, Default)]
struct Statics {
    all: usize,
    unique: usize,
}

fn string(s: &str, seen: &mut HashSet<(usize, usize)>, out: &mut Statics) {
    out.all += s.len();
    if seen.insert((s.as_ptr() as usize, s.len())) {
        out.unique += s.len();
    }
}

fn strings(list: &[&str], seen: &mut HashSet<(usize, usize)>, out: &mut Statics) {
    let slice = std::mem::size_of_val(list);
    out.all += slice;
    if seen.insert((list.as_ptr() as usize, slice)) {
        out.unique += slice;
        for s in list {
            string(s, seen, out);
        }
    } else {
        out.all += list.iter().map(|s| s.len()).sum::<usize>();
    }
}

fn class(c: &PermissionClass, seen: &mut HashSet<(usize, usize)>, out: &mut Statics) {
    let own = size_of::<PermissionClass>() + std::mem::size_of_val(c.methods());
    out.all += own;
    if !seen.insert((c as *const PermissionClass as usize, own)) {
        // Counted in full for `all`, below; nothing new for `unique`.
        let mut scratch = HashSet::new();
        let mut again = Statics::default();
        class_strings(c, &mut scratch, &mut again);
        out.all += again.all;
        return;
    }
    out.unique += own;
    class_strings(c, seen, out);
}

fn class_strings(c: &PermissionClass, seen: &mut HashSet<(usize, usize)>, out: &mut Statics) {
    string(c.name(), seen, out);
    string(c.module(), seen, out);
    for m in c.methods() {
        strings(m.scopes(), seen, out);
        strings(m.readonly_scopes(), seen, out);
        if let Some(e) = m.readonly_exception() {
            string(e, seen, out);
        }
    }
}

fn endpoint_statics(endpoints: &[&'static Endpoint]) -> Statics {
    let mut seen = HashSet::new();
    let mut out = Statics::default();
    for e in endpoints {
        let fixed = size_of::<Endpoint>() + INVENTORY_NODE;
        out.all += fixed;
        out.unique += fixed;
        string(e.handler(), &mut seen, &mut out);
        string(e.path(), &mut seen, &mut out);
        string(e.owner(), &mut seen, &mut out);
        let Source { file, .. } = e.source();
        string(file, &mut seen, &mut out);
        match e.permission() {
            Some(c) => class(c, &mut seen, &mut out),
            None => {
                strings(e.scopes(), &mut seen, &mut out);
                strings(e.readonly_scopes(), &mut seen, &mut out);
            }
        }
        for s in
            [e.readonly_exception(), e.unauthenticated(), e.gate(), e.gate_exempt()].into_iter().flatten()
        {
            string(s, &mut seen, &mut out);
        }
    }
    out
}

fn report(name: &str, endpoints: &[&'static Endpoint]) {
    let n = endpoints.len();
    let statics = endpoint_statics(endpoints);
    let (registry, retained, peak) = measure(|| {
        Registry::from_endpoints(Config::sentry(), endpoints.iter().copied()).expect("valid fixtures")
    });
    let registry: &'static Registry = Box::leak(Box::new(registry));
    let (layer, layer_retained, _) =
        measure(|| enforced_router(endpoints, registry, MemoryResolver::default()));
    println!(
        "| {name} | {n} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        statics.all as f64 / n as f64,
        statics.unique as f64 / n as f64,
        retained as f64 / n as f64,
        peak as f64 / n as f64,
        layer_retained as f64 / n as f64,
    );
    drop(layer);
}

fn main() {
    println!(
        "size_of::<Endpoint>() = {} bytes; inventory node + .init_array entry = {INVENTORY_NODE} bytes; \
         size_of::<PermissionClass>() = {}; size_of::<MethodScopes>() = {}",
        size_of::<Endpoint>(),
        size_of::<PermissionClass>(),
        size_of::<MethodScopes>()
    );
    println!();
    println!(
        "| endpoint set | endpoints | static bytes/endpoint (all strings) | static bytes/endpoint (shared literals once) \
         | Registry heap bytes/endpoint (retained) | Registry build peak bytes/endpoint | ApiRouter (served) heap bytes/endpoint |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    report("Sentry-like", sentry_like());
    let (endpoints, _, _) = measure(|| generated(10_000));
    report("generated", &endpoints);
}
