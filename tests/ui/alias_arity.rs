// An alias can hide a success value of the wrong arity; the compiler still
// says which `out` registers the declaration has, for each way of naming a
// `Result`.
use seamcall_core::{seamcall, SeamcallError};

mod own {
    use seamcall_core::{seamcall, SeamcallError};
    pub type Result<T> = core::result::Result<T, SeamcallError>;

    #[seamcall(leaf = 300, out = [r8], unchecked)]
    pub unsafe fn own_alias() -> Result<(u64, u64)>;
}

type R<T> = core::result::Result<T, SeamcallError>;

trait Leaf {
    type Ret;
}
struct Rd;
impl Leaf for Rd {
    type Ret = Result<u64, SeamcallError>;
}

#[seamcall(leaf = 300, out = [rcx, rdx], unchecked)]
unsafe fn other_name() -> R<u64>;

#[seamcall(leaf = 300, unchecked)]
unsafe fn crate_alias() -> seamcall_core::Result<u64>;

#[seamcall(leaf = 300, out = [r8, r9, r10], unchecked)]
unsafe fn qualified() -> <Rd as Leaf>::Ret;

fn main() {}
