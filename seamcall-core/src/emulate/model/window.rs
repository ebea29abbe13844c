//! [`PhysWindow`]: a region of the process that the model sees as host
//! physical memory at a base physical address, with a page allocator.

use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

use super::memory::MemError;
use super::MAX_PA_BITS;

const PAGE: usize = 4096;

/// Why a [`PhysWindow`] could not be made, mapped, or a page freed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum WindowError {
    /// The base physical address is not 4 KiB aligned.
    Misaligned {
        /// The base asked for.
        base: u64,
    },
    /// The length is 0 or not a multiple of 4 KiB.
    BadLength {
        /// The length asked for.
        len: usize,
    },
    /// The window would reach past the largest physical address (46 bits,
    /// key id bits excluded).
    OutOfRange {
        /// The base asked for.
        base: u64,
        /// The length asked for.
        len: usize,
    },
    /// The allocator could not provide the memory.
    AllocFailed {
        /// The length asked for.
        len: usize,
    },
    /// The window overlaps one already mapped into the model.
    Overlap {
        /// Base of the window being mapped.
        base: u64,
        /// Base of the window already mapped.
        mapped: u64,
    },
    /// [`PhysWindow::free_pages`]: a page of the range is not one the
    /// window's allocator handed out (or it is outside the window).
    NotAllocated {
        /// The page.
        pa: u64,
    },
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WindowError::Misaligned { base } => {
                write!(f, "window base {base:#x} is not 4 KiB aligned")
            }
            WindowError::BadLength { len } => {
                write!(f, "window length {len:#x} is 0 or not a multiple of 4 KiB")
            }
            WindowError::OutOfRange { base, len } => write!(
                f,
                "window [{base:#x}, +{len:#x}) reaches past the {MAX_PA_BITS}-bit physical \
                 address space"
            ),
            WindowError::AllocFailed { len } => {
                write!(f, "could not allocate {len:#x} bytes for a window")
            }
            WindowError::Overlap { base, mapped } => write!(
                f,
                "window at {base:#x} overlaps the window at {mapped:#x} already mapped"
            ),
            WindowError::NotAllocated { pa } => {
                write!(f, "page {pa:#x} was not allocated from this window")
            }
        }
    }
}

impl std::error::Error for WindowError {}

/// Who releases a window's memory.
#[derive(Debug)]
enum Owner {
    /// `std::alloc` with this layout.
    Alloc(Layout),
    /// A boxed slice, turned into this raw pointer.
    Boxed(*mut [u8]),
    /// Someone else (a `&'static mut`, or the caller of
    /// [`PhysWindow::from_raw`]).
    Borrowed,
}

struct Inner {
    base: u64,
    len: usize,
    ptr: NonNull<u8>,
    owner: Owner,
    /// One flag per page: handed out by the allocator.
    used: Mutex<Vec<bool>>,
}

// SAFETY: `Inner` owns (or borrows for its whole life) the memory at `ptr`
// and touches it only through raw-pointer copies, never through references;
// `used` is behind a mutex. Sending or sharing it between threads is like
// sharing physical memory: concurrent access to the same bytes is the
// caller's to order, as `PhysWindow`'s documentation says.
unsafe impl Send for Inner {}
// SAFETY: as for `Send`.
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        match self.owner {
            // SAFETY: `ptr` came from `alloc::alloc_zeroed(layout)` in
            // `PhysWindow::new` and is released once, here.
            Owner::Alloc(layout) => unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) },
            // SAFETY: `raw` came from `Box::into_raw` in
            // `PhysWindow::from_boxed`; rebuilding the box once releases it.
            Owner::Boxed(raw) => drop(unsafe { Box::from_raw(raw) }),
            Owner::Borrowed => {}
        }
    }
}

/// A region of this process's memory that the model treats as host
/// physical memory `[base, base + len)`: reads and writes by physical
/// address inside it (the TDMR list TDH.SYS.CONFIG reads, TD_PARAMS for
/// TDH.MNG.INIT, the source page of TDH.MEM.PAGE.ADD, the TD pages the
/// model zeroes or fills) go to the process's bytes at
/// [`virt_of`](PhysWindow::virt_of)`(pa)`. Host code that takes its pages
/// from the window ([`alloc_page`](PhysWindow::alloc_page)), fills them
/// through ordinary pointers and passes their physical address
/// ([`phys_of`](PhysWindow::phys_of)) runs unchanged.
///
/// Map it with [`Model::map_window`](super::Model::map_window). A window is
/// a handle: clones share the same memory and allocator, so the test keeps
/// one and the model another.
///
/// A window's memory counts as initialized: the constructors that allocate
/// zero it, and the others take memory the caller owns, so the model reads
/// any byte of it. Physical memory outside every window falls back to the
/// model's [`HostMemory`](super::HostMemory), where a byte never written is
/// an error.
///
/// The memory is accessed only through raw pointers (as a device does DMA),
/// never through Rust references the window hands out: writing a page from
/// the test while another thread runs a call that reads it is a data race,
/// as on hardware. `virt_of` and `phys_of` translate addresses; they take no
/// locks.
///
/// ```
/// use seamcall_core::emulate::model::PhysWindow;
///
/// // 16 MiB of host memory at physical address 4 GiB.
/// let w = PhysWindow::new(4 << 30, 16 << 20).unwrap();
/// let pa = w.alloc_page().unwrap();
/// let va = w.virt_of(pa).unwrap();
/// // SAFETY: `va` points at the 4 KiB page just allocated from `w`.
/// unsafe { va.cast::<u64>().write(0x1234) };
/// assert_eq!(w.phys_of(va), Some(pa));
/// let mut b = [0; 8];
/// w.read(pa, &mut b).unwrap();
/// assert_eq!(u64::from_le_bytes(b), 0x1234);
/// ```
#[derive(Clone)]
pub struct PhysWindow {
    inner: Arc<Inner>,
}

impl fmt::Debug for PhysWindow {
    /// The range and the allocator's count, not the per-page flags (a
    /// 1 GiB window has 262,144).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhysWindow")
            .field("base", &format_args!("{:#x}", self.base()))
            .field("len", &format_args!("{:#x}", self.len()))
            .field("at", &self.inner.ptr)
            .field("allocated_pages", &self.allocated_pages())
            .finish()
    }
}

impl PhysWindow {
    fn check(base: u64, len: usize) -> Result<(), WindowError> {
        if base % PAGE as u64 != 0 {
            return Err(WindowError::Misaligned { base });
        }
        if len == 0 || len % PAGE != 0 {
            return Err(WindowError::BadLength { len });
        }
        match base.checked_add(len as u64) {
            Some(end) if end <= 1 << MAX_PA_BITS => Ok(()),
            _ => Err(WindowError::OutOfRange { base, len }),
        }
    }

    fn build(base: u64, len: usize, ptr: NonNull<u8>, owner: Owner) -> PhysWindow {
        PhysWindow {
            inner: Arc::new(Inner {
                base,
                len,
                ptr,
                owner,
                used: Mutex::new(vec![false; len / PAGE]),
            }),
        }
    }

    /// `len` bytes of zeroed, 4 KiB-aligned memory allocated for the window,
    /// at physical address `base` (4 KiB aligned; `len` a multiple of 4 KiB).
    ///
    /// Large windows cost address space, not memory, until touched (the
    /// allocator maps fresh zero pages).
    pub fn new(base: u64, len: usize) -> Result<PhysWindow, WindowError> {
        PhysWindow::check(base, len)?;
        let layout =
            Layout::from_size_align(len, PAGE).map_err(|_| WindowError::AllocFailed { len })?;
        // SAFETY: `layout` has a non-zero size (`check` refused 0).
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).ok_or(WindowError::AllocFailed { len })?;
        Ok(PhysWindow::build(base, len, ptr, Owner::Alloc(layout)))
    }

    /// A window over a boxed slice (a `Vec<u8>` through
    /// [`Vec::into_boxed_slice`]), at physical address `base`; the window
    /// owns it and frees it when the last clone is dropped. The slice's
    /// length must be a multiple of 4 KiB; its address need not be
    /// aligned, so neither need be the pointers `virt_of` returns.
    pub fn from_boxed(base: u64, memory: Box<[u8]>) -> Result<PhysWindow, WindowError> {
        PhysWindow::check(base, memory.len())?;
        let len = memory.len();
        let raw = Box::into_raw(memory);
        // A box never holds a null pointer.
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or(WindowError::AllocFailed { len })?;
        Ok(PhysWindow::build(base, len, ptr, Owner::Boxed(raw)))
    }

    /// A window over memory the program lends for good (a leaked buffer, a
    /// `static`).
    pub fn from_static(base: u64, memory: &'static mut [u8]) -> Result<PhysWindow, WindowError> {
        let len = memory.len();
        PhysWindow::check(base, len)?;
        let ptr = NonNull::new(memory.as_mut_ptr()).ok_or(WindowError::AllocFailed { len })?;
        Ok(PhysWindow::build(base, len, ptr, Owner::Borrowed))
    }

    /// A window over `len` bytes at `ptr`, which the caller owns (an
    /// `mmap`ed region, a buffer of another allocator).
    ///
    /// # Safety
    ///
    /// `ptr..ptr + len` must be valid for reads and writes for as long as
    /// any clone of the window lives (the model keeps one until it is
    /// dropped or [`unmap_window`](super::Model::unmap_window) is called),
    /// and must not be accessed through a Rust reference meanwhile, only
    /// through raw pointers, as the window itself does; the caller frees it
    /// after the last clone is gone.
    pub unsafe fn from_raw(base: u64, ptr: *mut u8, len: usize) -> Result<PhysWindow, WindowError> {
        PhysWindow::check(base, len)?;
        let ptr = NonNull::new(ptr).ok_or(WindowError::AllocFailed { len })?;
        Ok(PhysWindow::build(base, len, ptr, Owner::Borrowed))
    }

    /// The first physical address of the window.
    pub fn base(&self) -> u64 {
        self.inner.base
    }

    /// The window's length in bytes.
    pub fn len(&self) -> usize {
        self.inner.len
    }

    /// Always `false`: a window holds at least one page.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The physical address just past the window.
    pub fn end(&self) -> u64 {
        self.inner.base + self.inner.len as u64
    }

    /// Whether physical address `pa` lies in the window.
    pub fn contains(&self, pa: u64) -> bool {
        (self.base()..self.end()).contains(&pa)
    }

    /// Whether the two windows share a physical address.
    pub fn overlaps(&self, other: &PhysWindow) -> bool {
        self.base() < other.end() && other.base() < self.end()
    }

    /// The process address at which physical address `pa` lives, or `None`
    /// outside the window.
    pub fn virt_of(&self, pa: u64) -> Option<*mut u8> {
        let off = pa.checked_sub(self.base()).filter(|_| self.contains(pa))?;
        // `wrapping_add`: computing the address needs no `unsafe`; it is in
        // bounds since `off < len`.
        Some(self.inner.ptr.as_ptr().wrapping_add(off as usize))
    }

    /// The physical address of the process address `ptr`, or `None` if
    /// `ptr` is not inside the window.
    pub fn phys_of<T>(&self, ptr: *const T) -> Option<u64> {
        let off = (ptr as usize).checked_sub(self.inner.ptr.as_ptr() as usize)?;
        (off < self.len()).then(|| self.base() + off as u64)
    }

    /// Fill `buf` from physical address `pa`; a [`MemError`] at the first
    /// byte outside the window (this window alone: the model's own reads
    /// go on to its other windows and its `HostMemory`).
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), MemError> {
        let src = self.span(pa, buf.len())?;
        // SAFETY: `span` checked that `src..src + buf.len()` lies in the
        // window's memory, valid for reads for the window's life; `buf` is
        // a distinct Rust buffer, so the two do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copy `data` to physical address `pa`; a [`MemError`] at the first
    /// byte outside the window (then nothing is written).
    pub fn write(&self, pa: u64, data: &[u8]) -> Result<(), MemError> {
        let dst = self.span(pa, data.len())?;
        // SAFETY: as in `read`, for writes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    /// The process address of `pa..pa + len`, if it all lies in the window.
    fn span(&self, pa: u64, len: usize) -> Result<*mut u8, MemError> {
        let ptr = self.virt_of(pa).ok_or(MemError::at(pa))?;
        let end = pa.checked_add(len as u64).ok_or(MemError::at(pa))?;
        if end > self.end() {
            return Err(MemError::at(self.end()));
        }
        Ok(ptr)
    }

    /// Allocate one 4 KiB page, zeroed; its physical address, or `None`
    /// when the window has no free page.
    pub fn alloc_page(&self) -> Option<u64> {
        self.alloc_pages(1)
    }

    /// Allocate `n` physically contiguous 4 KiB pages (the lowest free
    /// run), zeroed; the physical address of the first, or `None` when no
    /// run of `n` free pages is left (or `n` is 0).
    pub fn alloc_pages(&self, n: usize) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let mut used = self.used();
        let mut run = 0;
        let first = (0..used.len()).find(|&i| {
            run = if used[i] { 0 } else { run + 1 };
            run == n
        })? + 1
            - n;
        used[first..first + n].fill(true);
        drop(used);
        let pa = self.base() + (first * PAGE) as u64;
        let dst = self.virt_of(pa)?;
        // SAFETY: pages `first..first + n` lie in the window (found above),
        // valid for writes; the allocator just handed them out.
        unsafe { dst.write_bytes(0, n * PAGE) };
        Some(pa)
    }

    /// Return the page at `pa` to the allocator.
    pub fn free_page(&self, pa: u64) -> Result<(), WindowError> {
        self.free_pages(pa, 1)
    }

    /// Return the `n` pages from `pa` to the allocator. Fails, changing
    /// nothing, if any of them is not allocated.
    pub fn free_pages(&self, pa: u64, n: usize) -> Result<(), WindowError> {
        let mut used = self.used();
        let aligned = pa % PAGE as u64 == 0 && self.contains(pa);
        let first = if aligned {
            ((pa - self.base()) / PAGE as u64) as usize
        } else {
            return Err(WindowError::NotAllocated { pa });
        };
        let end = first.saturating_add(n);
        if let Some(i) = (first..end).find(|&i| !used.get(i).copied().unwrap_or(false)) {
            return Err(WindowError::NotAllocated {
                pa: self.base() + (i * PAGE) as u64,
            });
        }
        used[first..end].fill(false);
        Ok(())
    }

    /// Number of pages the allocator has handed out and not taken back.
    pub fn allocated_pages(&self) -> usize {
        self.used().iter().filter(|u| **u).count()
    }

    fn used(&self) -> std::sync::MutexGuard<'_, Vec<bool>> {
        // The flags stay consistent whatever panicked while they were
        // held: every update is a single `fill`.
        self.inner
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
