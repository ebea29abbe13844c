//! Status codes the model returns that [`TdxStatus`] does not name, with
//! the values of the TDX module 1.5.01 error-code header.

use crate::status::TdxStatus;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: TdxStatus = TdxStatus::from_raw($value);)*
    };
}

codes! {
    /// The TD-associated pages still exist: reclaim them before the TDR.
    TD_ASSOCIATED_PAGES_EXIST = 0xC000_0400_0000_0000;
    /// TDH.SYS.INIT was already done.
    SYS_INIT_NOT_PENDING = 0xC000_0500_0000_0000;
    /// TDH.SYS.CONFIG before every logical processor ran TDH.SYS.LP.INIT.
    SYS_LP_INIT_NOT_DONE = 0xC000_0502_0000_0000;
    /// TDH.SYS.LP.INIT already ran on this logical processor.
    SYS_LP_INIT_DONE = 0xC000_0503_0000_0000;
    /// TDH.SYS.KEY.CONFIG outside the window after TDH.SYS.CONFIG.
    SYS_KEY_CONFIG_NOT_PENDING = 0xC000_0507_0000_0000;
    /// TDH.SYS.LP.INIT outside the window after TDH.SYS.INIT.
    SYS_LP_INIT_NOT_PENDING = 0xC000_050B_0000_0000;
    /// TDH.SYS.CONFIG outside the window after TDH.SYS.INIT.
    SYS_CONFIG_NOT_PENDING = 0xC000_050C_0000_0000;
    /// Not all TDCS pages were added (TDH.MNG.ADDCX).
    TDCS_NOT_ALLOCATED = 0xC000_0606_0000_0000;
    /// TDH.MR.FINALIZE of a TD without vCPUs.
    NO_VCPUS = 0xC000_0609_0000_0000;
    /// Too many or too few TDCX pages for the TD or vCPU.
    TDCX_NUM_INCORRECT = 0xC000_0610_0000_0000;
    /// TDH.VP.CREATE beyond `TD_PARAMS.MAX_VCPUS`.
    MAX_VCPUS_EXCEEDED = 0xC000_0705_0000_0000;
    /// The key id given to TDH.MNG.CREATE is in use.
    HKID_NOT_FREE = 0xC000_0820_0000_0000;
    /// TDH.PHYMEM.CACHE.WB resume (RCX = 1) with nothing to resume.
    WBCACHE_RESUME_ERROR = 0xC000_0823_0000_0000;
    /// A TDMR is not 1 GiB aligned, or empty; the low bits are its index.
    INVALID_TDMR = 0xC000_0A00_0000_0000;
    /// The TDMRs are not sorted by address, or overlap; the low bits are the
    /// index of the first offender.
    NON_ORDERED_TDMR = 0xC000_0A01_0000_0000;
    /// A TDMR is not inside the convertible memory ranges; the low bits are
    /// its index.
    TDMR_OUTSIDE_CMRS = 0xC000_0A02_0000_0000;
    /// A metadata value is not valid for the field.
    METADATA_FIELD_VALUE_NOT_VALID = 0xC000_0C03_0000_0000;
}

// Codes of modules 1.5.20 and later (Dynamic PAMT), values of the 1.5.25
// and 2.0.18 error-code headers (`tests/data/tdx-abi/` has no status table
// for them; intel/tdx-module `include/auto_gen_2_0/tdx_error_codes_defs.h`
// at e69a4391).
codes! {
    /// The 2 MiB range already has its PAMT pages, or is mapped as a large
    /// page.
    HPA_RANGE_NOT_FREE = 0xC000_0304_0000_0000;
    /// TDH.PHYMEM.PAMT.REMOVE of a range without PAMT pages.
    NO_PAMT_PAGE_PAIR = 0xC000_0305_0000_0000;
    /// A PAMT page still holds an entry in use; the low bits say which of
    /// the two.
    PAMT_PAGE_NOT_EMPTY = 0xC000_0306_0000_0000;
    /// A 4 KiB page of a range whose PAMT pages were not added.
    MISSING_PAMT_PAGE_PAIR = 0x8000_0308_0000_0000;
    /// A page given as a new PAMT page is in use.
    PAGE_NOT_FREE = 0xC000_0303_0000_0000;
}
