use seamcall_core::seamcall;

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn f(a: u64) -> u64;

#[seamcall(leaf = 301, in = [rcx], unchecked)]
unsafe fn g(a: u64);

fn main() {}
