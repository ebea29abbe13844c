//! The harness around the benchmark variants (`benches/support/variants.rs`
//! for `SEAMCALL`, `benches/support/guest_variants.rs` for `TDCALL` and
//! `TDG.VP.VMCALL`): the variant record, the table macro and the callgrind
//! driver. The measured code stays in those files; only the harness is here.

/// One measured variant.
pub struct Variant {
    /// The leaf's shape (`narrow`, `wide`; `rdmsr`, `vp_info`).
    pub shape: &'static str,
    /// `inline` or `outline`.
    pub placement: &'static str,
    /// The implementation measured (`macro`, `floor`, ...; each variants
    /// file lists its own).
    pub name: &'static str,
    /// Issue the call this many times.
    pub run: fn(u64),
}

impl Variant {
    /// `shape/placement/name`, the criterion id and the callgrind argument.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.shape, self.placement, self.name)
    }
}

/// `pub const VARIANTS: &[Variant]` from `shape placement name => run_fn,`
/// lines, in report order.
#[macro_export]
macro_rules! bench_variants {
    ($($shape:ident $placement:ident $name:ident => $f:ident,)*) => {
        /// Every variant, in report order.
        pub const VARIANTS: &[$crate::bench::Variant] = &[$($crate::bench::Variant {
            shape: stringify!($shape),
            placement: stringify!($placement),
            name: stringify!($name),
            run: $f,
        },)*];
    };
}

/// `main` of a callgrind example: `PROGRAM VARIANT ITERATIONS` runs one
/// variant that many times; `PROGRAM --list` prints every variant's id.
/// Outside a stub build (`stub` false) it prints `need_stub` and exits 1;
/// bad arguments print the usage and exit 2.
pub fn callgrind_main(program: &str, variants: &[Variant], stub: bool, need_stub: &str) {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--list") {
        for v in variants {
            println!("{}", v.id());
        }
        return;
    }
    if !stub {
        eprintln!("error: {need_stub}");
        std::process::exit(1);
    }
    let (Some(id), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: {program} VARIANT ITERATIONS | --list");
        std::process::exit(2);
    };
    let Some(v) = variants.iter().find(|v| v.id() == *id) else {
        eprintln!("unknown variant {id}; --list prints them");
        std::process::exit(2);
    };
    (v.run)(n);
}
