//! What the `#[seamcall]` expansion uses for a return type it does not
//! read itself: an alias of `Result` (`seamcall_core::Result<T>`, a crate's
//! own `type Result<T> = ..`). The type checker resolves the alias; these
//! traits check that it is `Result<T, E>` with the instruction's error type and that `T` has the
//! shape of the declared `out` registers, and build the value. Not a public
//! API (reached through `__private`).

use crate::reg::FromReg;

/// Implemented for `core::result::Result<T, E>`, where `E` is the error
/// type of the instruction (`SeamcallError`, `TdcallError`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `Result<T, {E}>`, so it cannot be what this leaf returns",
    label = "the return type, after aliases are resolved, must be `Result<T, {E}>`",
    note = "a leaf returns `Result<T, {E}>` (or an alias of it, like `seamcall_core::Result<T>` for SEAMCALL) with T = `()`, one value, or a tuple, one per `out` register; or the raw form `(TdxStatus, T)`"
)]
pub trait LeafResult<E>: Sized {
    /// `T`.
    type Value;
    /// `Ok(value)`.
    fn ok(value: Self::Value) -> Self;
    /// `Err(e)`.
    fn err(e: E) -> Self;
}

impl<T, E> LeafResult<E> for Result<T, E> {
    type Value = T;
    #[inline(always)]
    fn ok(value: T) -> Self {
        Ok(value)
    }
    #[inline(always)]
    fn err(e: E) -> Self {
        Err(e)
    }
}

/// A success value read from `COUNT` output registers: `()`, one value,
/// or a tuple of up to 13 values, each [`FromReg`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the success value of a SEAMCALL leaf",
    label = "the `Ok` type of this return type is not `()`, a `FromReg` value, or a tuple of them",
    note = "the success value is `()`, one value, or a tuple, one element per `out` register; each element implements `seamcall_core::FromReg`"
)]
pub trait Outputs: Sized {
    /// How many registers the value takes.
    const COUNT: usize;
    /// The value from the output registers, in `out` order. The expansion
    /// asserts `COUNT == N` at compile time before this is reached.
    fn from_outputs<const N: usize>(regs: [u64; N]) -> Self;
}

impl Outputs for () {
    const COUNT: usize = 0;
    #[inline(always)]
    fn from_outputs<const N: usize>(_: [u64; N]) -> Self {}
}

impl<T: FromReg> Outputs for T {
    const COUNT: usize = 1;
    #[inline(always)]
    fn from_outputs<const N: usize>(regs: [u64; N]) -> Self {
        T::from_reg(regs[0])
    }
}

macro_rules! tuple_outputs {
    ($n:expr; $($t:ident $i:tt),+) => {
        impl<$($t: FromReg),+> Outputs for ($($t,)+) {
            const COUNT: usize = $n;
            #[inline(always)]
            fn from_outputs<const N: usize>(regs: [u64; N]) -> Self {
                ($($t::from_reg(regs[$i]),)+)
            }
        }
    };
}

tuple_outputs!(1; A 0);
tuple_outputs!(2; A 0, B 1);
tuple_outputs!(3; A 0, B 1, C 2);
tuple_outputs!(4; A 0, B 1, C 2, D 3);
tuple_outputs!(5; A 0, B 1, C 2, D 3, E 4);
tuple_outputs!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_outputs!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_outputs!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_outputs!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_outputs!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_outputs!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_outputs!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_outputs!(13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
