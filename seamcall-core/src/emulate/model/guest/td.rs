//! A runnable TD on a fresh model, for tests of guest code: [`TdConfig`]
//! runs the host flow on the model itself (direct dispatch through
//! [`Module::seamcall`], no signals) and returns a [`BuiltTd`].

use std::fmt;

use super::super::{Model, PhysWindow, TdParams, WindowError, TDCS_PAGES, TDVPS_PAGES};
use super::is_shared;
use crate::emulate::{Module, Outcome, Regs};
use crate::leaves::LeafWord;
use crate::status::TdxStatus;
use crate::types::SeptLevel;

const PAGE: u64 = 4096;
/// The one TDMR of the model: 1 GiB at 1 GiB (the window lies at its start).
const TDMR: u64 = 1 << 30;
/// Its size.
const TDMR_SIZE: u64 = 1 << 30;
/// The private key id the TD gets (32 is the module's global key id).
const HKID: u64 = 33;

mod host {
    pub const MEM_PAGE_ADD: u16 = 2;
    pub const MEM_SEPT_ADD: u16 = 3;
    pub const VP_ADDCX: u16 = 4;
    pub const MEM_PAGE_AUG: u16 = 6;
    pub const MNG_KEY_CONFIG: u16 = 8;
    pub const MNG_CREATE: u16 = 9;
    pub const VP_CREATE: u16 = 10;
    pub const MR_EXTEND: u16 = 16;
    pub const MR_FINALIZE: u16 = 17;
    pub const MNG_INIT: u16 = 21;
    pub const VP_INIT: u16 = 22;
    pub const MNG_ADDCX: u16 = 1;
}

/// A TD to build on a fresh [`Model`] (see [`TdConfig::build`]).
///
/// Guest physical layout: the image at GPA 0 (one TDH.MEM.PAGE.ADD per
/// page, every page measured with TDH.MR.EXTEND), then
/// `unmeasured_pages` zero pages added with TDH.MEM.PAGE.ADD alone, all
/// mapped when the TD starts; `pending_pages` pages at
/// [`BuiltTd::PENDING_BASE`] added with TDH.MEM.PAGE.AUG after
/// TDH.MR.FINALIZE, pending until the guest accepts them. Every page lies
/// in one [`PhysWindow`] of process memory.
#[derive(Clone, Debug)]
pub struct TdConfig {
    /// TD_PARAMS for TDH.MNG.INIT; one vCPU is created, initialized, per
    /// `max_vcpus`.
    pub params: TdParams,
    /// The measured image, zero-padded to whole pages.
    pub image: Vec<u8>,
    /// Zero pages added after the image, not measured.
    pub unmeasured_pages: u64,
    /// Pages augmented after TDH.MR.FINALIZE, pending.
    pub pending_pages: u64,
    /// The release the model behaves as.
    pub release: super::super::Release,
}

impl Default for TdConfig {
    /// The default TD_PARAMS, a one-page image of a fixed pattern, 16
    /// unmeasured pages, 512 pending pages (one 2 MiB range), the newest
    /// release.
    fn default() -> TdConfig {
        TdConfig {
            params: TdParams::default(),
            image: (0..4096u32).map(|i| (i % 251) as u8).collect(),
            unmeasured_pages: 16,
            pending_pages: 512,
            release: super::super::Release::NEWEST,
        }
    }
}

/// Why [`TdConfig::build`] or [`BuiltTd::aug`] failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum TdBuildError {
    /// The memory window could not be made.
    Window(WindowError),
    /// The window has no free page left.
    OutOfMemory,
    /// A host leaf failed with this status.
    Leaf {
        /// The leaf number.
        leaf: u16,
        /// The status it returned.
        status: TdxStatus,
    },
}

impl fmt::Display for TdBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TdBuildError::Window(e) => write!(f, "the TD's memory window: {e}"),
            TdBuildError::OutOfMemory => write!(f, "the TD's memory window is full"),
            TdBuildError::Leaf { leaf, status } => {
                write!(f, "host leaf {leaf} failed: {status}")
            }
        }
    }
}

impl std::error::Error for TdBuildError {}

impl From<WindowError> for TdBuildError {
    fn from(e: WindowError) -> TdBuildError {
        TdBuildError::Window(e)
    }
}

/// A GPA a [`BuiltTd`] helper cannot reach: not mapped (in any state) in
/// the TD's S-EPT, beyond its GPA width, or backed by nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GpaError {
    /// The guest physical address.
    pub gpa: u64,
}

impl fmt::Display for GpaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GPA {:#x} is not mapped to backed memory", self.gpa)
    }
}

impl std::error::Error for GpaError {}

/// A runnable TD on its own [`Model`], as [`TdConfig::build`] leaves it.
#[derive(Debug)]
pub struct BuiltTd {
    /// The model: the host side answers through
    /// [`with_module`](crate::emulate::with_module), the guest side through
    /// [`Model::vcpu`].
    pub model: Model,
    /// The TD's TDR.
    pub tdr: u64,
    /// Its vCPUs' TDVPRs, in creation order (`VCPU_INDEX` order).
    pub tdvprs: Vec<u64>,
    /// The process memory every page lies in (mapped into the model).
    pub window: PhysWindow,
    /// MRTD as TDH.MR.FINALIZE closed it.
    pub mrtd: [u8; 48],
}

impl TdConfig {
    /// Build the TD: a model ready with one TDMR (1 GiB at 1 GiB) and a
    /// window over its first pages, then TDH.MNG.CREATE, KEY.CONFIG,
    /// ADDCX, MNG.INIT, per vCPU VP.CREATE, ADDCX, VP.INIT, the S-EPT
    /// tables, PAGE.ADD and MR.EXTEND of the image, PAGE.ADD of the
    /// unmeasured pages, MR.FINALIZE and PAGE.AUG of the pending pages.
    pub fn build(&self) -> Result<BuiltTd, TdBuildError> {
        let image_pages = (self.image.len() as u64).div_ceil(PAGE);
        let vcpus = u64::from(self.params.max_vcpus);
        let measured = image_pages
            .checked_add(self.unmeasured_pages)
            .filter(|&n| n <= BuiltTd::PENDING_BASE / PAGE)
            .ok_or(TdBuildError::OutOfMemory)?;
        let data = measured
            .checked_add(self.pending_pages)
            .ok_or(TdBuildError::OutOfMemory)?;
        // Control pages, S-EPT tables (one level-1 table per 2 MiB), and
        // 1024 pages of headroom for later AUGs and shared buffers; all in
        // the one 1 GiB TDMR (more is `OutOfMemory`, never an overflow).
        let control = 1 + TDCS_PAGES as u64 + vcpus * TDVPS_PAGES as u64 + 16 + 1024;
        let pages = data
            .checked_add(data / 512)
            .and_then(|n| n.checked_add(control))
            .filter(|&n| n <= TDMR_SIZE / PAGE)
            .ok_or(TdBuildError::OutOfMemory)?;
        let len = usize::try_from(pages * PAGE).map_err(|_| TdBuildError::OutOfMemory)?;
        let window = PhysWindow::new(TDMR, len)?;
        let model = Model::ready(TDMR, TDMR_SIZE)
            .with_release(self.release)
            .with_window(&window)?;
        let mut td = BuiltTd {
            model,
            tdr: 0,
            tdvprs: Vec::new(),
            window,
            mrtd: [0; 48],
        };
        let tdr = td.page()?;
        td.tdr = tdr;
        td.host(host::MNG_CREATE, tdr, HKID, 0, 0)?;
        td.host(host::MNG_KEY_CONFIG, tdr, 0, 0, 0)?;
        for _ in 0..TDCS_PAGES {
            let p = td.page()?;
            td.host(host::MNG_ADDCX, p, tdr, 0, 0)?;
        }
        let params = td.page()?;
        td.model.write_phys(params, &self.params.to_bytes());
        td.host(host::MNG_INIT, tdr, params, 0, 0)?;
        td.free(params);
        for _ in 0..vcpus {
            let tdvpr = td.page()?;
            td.host(host::VP_CREATE, tdvpr, tdr, 0, 0)?;
            for _ in 0..TDVPS_PAGES - 1 {
                let p = td.page()?;
                td.host(host::VP_ADDCX, p, tdvpr, 0, 0)?;
            }
            td.host(host::VP_INIT, tdvpr, 0, 0, 0)?;
            td.tdvprs.push(tdvpr);
        }
        let source = td.page()?;
        for i in 0..image_pages + self.unmeasured_pages {
            let gpa = i * PAGE;
            let mut chunk = vec![0u8; PAGE as usize];
            let start = (gpa as usize).min(self.image.len());
            let end = (start + PAGE as usize).min(self.image.len());
            chunk[..end - start].copy_from_slice(&self.image[start..end]);
            td.model.write_phys(source, &chunk);
            td.tables(gpa)?;
            let page = td.page()?;
            td.host(host::MEM_PAGE_ADD, gpa, tdr, page, source)?;
            if i < image_pages {
                for c in 0..PAGE / 256 {
                    td.host(host::MR_EXTEND, gpa + c * 256, tdr, 0, 0)?;
                }
            }
        }
        td.free(source);
        td.host(host::MR_FINALIZE, tdr, 0, 0, 0)?;
        td.mrtd = td.model.mrtd(tdr).unwrap_or([0; 48]);
        for i in 0..self.pending_pages {
            td.aug(BuiltTd::PENDING_BASE + i * PAGE)?;
        }
        Ok(td)
    }
}

impl BuiltTd {
    /// The GPA of the first pending page.
    pub const PENDING_BASE: u64 = 1 << 30;

    /// The first vCPU's TDVPR.
    pub fn tdvpr(&self) -> u64 {
        self.tdvprs.first().copied().unwrap_or(0)
    }

    /// Run host leaf `leaf` (version 0) on the model directly; the
    /// registers it returned on success.
    pub fn host(
        &mut self,
        leaf: u16,
        rcx: u64,
        rdx: u64,
        r8: u64,
        r9: u64,
    ) -> Result<Regs, TdBuildError> {
        let mut regs = Regs {
            rax: LeafWord::new(leaf, 0).raw(),
            rcx,
            rdx,
            r8,
            r9,
            ..Regs::default()
        };
        match self.model.seamcall(&mut regs) {
            Outcome::Return if regs.rax == 0 => Ok(regs),
            _ => Err(TdBuildError::Leaf {
                leaf,
                status: TdxStatus::from_raw(regs.rax),
            }),
        }
    }

    fn page(&self) -> Result<u64, TdBuildError> {
        self.window.alloc_page().ok_or(TdBuildError::OutOfMemory)
    }

    fn free(&self, pa: u64) {
        // A page `page` handed out: freeing it cannot fail.
        let _ = self.window.free_page(pa);
    }

    /// Add the S-EPT tables (levels 3, or 4 with 5-level EPT, down to 1)
    /// that map `gpa`, where missing.
    fn tables(&mut self, gpa: u64) -> Result<(), TdBuildError> {
        let root = self
            .model
            .tds
            .get(&self.tdr)
            .map_or(3, |t| t.params.root_level());
        for l in (1..=root).rev().filter_map(SeptLevel::new) {
            let base = gpa & !(l.page_size() - 1);
            let present = self
                .model
                .tds
                .get(&self.tdr)
                .is_some_and(|t| t.sept.contains_key(&(l, base)));
            if !present {
                let p = self.page()?;
                self.host(
                    host::MEM_SEPT_ADD,
                    base | u64::from(l.get()),
                    self.tdr,
                    p,
                    0,
                )?;
            }
        }
        Ok(())
    }

    /// Add a pending page at `gpa` (4 KiB aligned, private) with
    /// TDH.MEM.PAGE.AUG, and the S-EPT tables it needs; its host physical
    /// address.
    pub fn aug(&mut self, gpa: u64) -> Result<u64, TdBuildError> {
        self.tables(gpa)?;
        let page = self.page()?;
        self.host(host::MEM_PAGE_AUG, gpa, self.tdr, page, 0)?;
        Ok(page)
    }

    /// The host physical address behind `gpa`: through the S-EPT for a
    /// private GPA (a leaf in any state), the identity (shared bit
    /// cleared) for a shared one, as the model's guest side maps it.
    pub fn hpa_of(&self, gpa: u64) -> Option<u64> {
        let td = self.model.tds.get(&self.tdr)?;
        let width = td.params.gpa_width();
        if gpa >> width != 0 {
            return None;
        }
        if is_shared(td, gpa) {
            return Some(gpa & !(1 << (width - 1)));
        }
        let (hpa, _) = self.model.mapping(self.tdr, gpa)?;
        Some(hpa + gpa % PAGE)
    }

    /// A pointer to the byte at `gpa` in the window, as the guest would
    /// address it (its private memory, or a shared GPA of window memory).
    pub fn ptr(&self, gpa: u64) -> Option<*mut u8> {
        self.window.virt_of(self.hpa_of(gpa)?)
    }

    /// The GPA of the byte at `ptr`, if it lies in a page of the window
    /// that the TD's S-EPT maps (in any state): the inverse of
    /// [`BuiltTd::ptr`] for private memory.
    pub fn gpa_of(&self, ptr: *const u8) -> Option<u64> {
        let at = self.window.phys_of(ptr)?;
        let page = at & !(PAGE - 1);
        let td = self.model.tds.get(&self.tdr)?;
        td.sept.iter().find_map(|(&(level, gpa), e)| match e {
            super::super::Sept::Leaf { hpa, .. } if level == SeptLevel::L4K && *hpa == page => {
                Some(gpa + at % PAGE)
            }
            _ => None,
        })
    }

    /// The host physical address of each page `[gpa, gpa + len)` covers,
    /// with the range inside it; [`GpaError`] at the first byte not
    /// mapped.
    fn pieces(&self, gpa: u64, len: usize) -> Result<Vec<(u64, usize, usize)>, GpaError> {
        let mut out = Vec::new();
        let mut done = 0;
        while done < len {
            let at = gpa + done as u64;
            let n = ((PAGE - at % PAGE) as usize).min(len - done);
            let hpa = self.hpa_of(at).ok_or(GpaError { gpa: at })?;
            out.push((hpa, done, n));
            done += n;
        }
        Ok(out)
    }

    /// Read guest memory at `gpa`, page by page through the S-EPT (any
    /// leaf state) or, for a shared GPA, the identity.
    pub fn read_gpa(&self, gpa: u64, buf: &mut [u8]) -> Result<(), GpaError> {
        for (hpa, at, n) in self.pieces(gpa, buf.len())? {
            self.model
                .read_phys(hpa, &mut buf[at..at + n])
                .map_err(|_| GpaError {
                    gpa: gpa + at as u64,
                })?;
        }
        Ok(())
    }

    /// Write guest memory at `gpa`, page by page as [`BuiltTd::read_gpa`]
    /// reads it; nothing is written unless every page is mapped.
    pub fn write_gpa(&mut self, gpa: u64, data: &[u8]) -> Result<(), GpaError> {
        for (hpa, at, n) in self.pieces(gpa, data.len())? {
            self.model.write_phys(hpa, &data[at..at + n]);
        }
        Ok(())
    }

    /// The shared GPA of the host physical address `hpa` (the TD's shared
    /// bit set).
    pub fn shared_gpa(&self, hpa: u64) -> u64 {
        let width = self
            .model
            .tds
            .get(&self.tdr)
            .map_or(48, |t| t.params.gpa_width());
        hpa | 1 << (width - 1)
    }

    /// A zeroed page of the window for the guest to use as shared memory;
    /// its shared GPA.
    pub fn alloc_shared(&self) -> Option<u64> {
        Some(self.shared_gpa(self.window.alloc_page()?))
    }
}
