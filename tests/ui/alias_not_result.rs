// An alias that is not `Result<T, SeamcallError>`: another error type, not a
// `Result` at all, or a value no register converts to.
use seamcall_core::seamcall;

#[derive(Debug)]
pub struct MyError;

type Mine<T> = Result<T, MyError>;
type Maybe = Option<u64>;
struct Handle;
type H = seamcall_core::Result<Handle>;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn other_error() -> Mine<u64>;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn not_result() -> Maybe;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn no_from_reg() -> H;

fn main() {}
