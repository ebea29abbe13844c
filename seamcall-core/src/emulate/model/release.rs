// PLACEHOLDER until seamcall-abi's `Release` reaches main; replaced by a
// re-export then.
#![allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    V1_5_01,
    V1_5_25,
    V1_5_34,
    V2_0_18,
}
impl Release {
    pub const NEWEST: Release = Release::V2_0_18;
}
