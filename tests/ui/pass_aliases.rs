//! A return type that is a `Result` to the type checker compiles, however
//! it is spelled: a crate's own `Result<T>`, another name, the crate's
//! `seamcall_core::Result<T>`, a fully qualified path, an alias without
//! parameters; and `?` carries the error into `Box<dyn Error>`.
#![deny(warnings)]
use seamcall_core::seamcall;
use seamcall_core::x86_64::PhysAddr;
use seamcall_core::SeamcallError;

mod own {
    use seamcall_core::{seamcall, SeamcallError};
    pub type Result<T> = core::result::Result<T, SeamcallError>;

    #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
    pub unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64>;
}

type R<T> = core::result::Result<T, SeamcallError>;
type Pair = Result<(u64, u64), SeamcallError>;

trait Leaf {
    type Ret;
}
struct Rd;
impl Leaf for Rd {
    type Ret = Result<u64, SeamcallError>;
}

#[seamcall(leaf = 300, unchecked)]
unsafe fn unit() -> R<()>;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn one() -> seamcall_core::Result<PhysAddr>;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn one_tuple() -> R<(u64,)>;

#[seamcall(leaf = 300, out = [rcx, rdx], unchecked)]
unsafe fn two() -> Pair;

#[seamcall(leaf = 300, in = [rcx], out = [r8], unchecked)]
unsafe fn qualified(a: u64) -> <Rd as Leaf>::Ret;

#[seamcall(leaf = 300, in = [rcx], out = [r8], retry = 3, scrub, unchecked)]
unsafe fn options(a: u64) -> seamcall_core::Result<u64>;

fn first_hour() -> Result<u64, Box<dyn std::error::Error>> {
    // SAFETY (of the test): never run.
    unsafe {
        unit()?;
        let (a, b) = two()?;
        let c = one()?.as_u64() + one_tuple()?.0 + qualified(a)? + options(b)?;
        Ok(c + own::tdh_mng_rd(0, 0)?)
    }
}

fn main() {
    if std::env::args().count() > 100 {
        let _ = first_hour();
    }
}
