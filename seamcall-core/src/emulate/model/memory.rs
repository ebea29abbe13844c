//! The model's physical memory: the [`PhysWindow`]s the test maps, then
//! the model's own sparse [`HostMemory`]; a read of a byte neither holds is
//! a [`MemError`], never zeros.

use std::collections::BTreeMap;
use std::fmt;

use super::window::PhysWindow;

const PAGE: usize = 4096;
/// Words of a page's written-bytes mask.
const MASK_WORDS: usize = PAGE / 64;

/// A read of physical memory that nothing backs: the byte at [`pa`] lies
/// outside every [`PhysWindow`] mapped into the model and was never written
/// to its [`HostMemory`].
///
/// [`pa`]: MemError::pa
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MemError {
    pa: u64,
}

impl MemError {
    pub(crate) fn at(pa: u64) -> MemError {
        MemError { pa }
    }

    /// The first physical address of the read that nothing backs.
    pub fn pa(&self) -> u64 {
        self.pa
    }
}

impl fmt::Display for MemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "physical address {:#x} is outside every memory window mapped into the model and \
             was never written to its HostMemory (map a PhysWindow over it, or write it first)",
            self.pa
        )
    }
}

impl std::error::Error for MemError {}

/// One 4 KiB page of [`HostMemory`] and which of its bytes were written.
#[derive(Clone, Debug)]
struct Page {
    data: Box<[u8; PAGE]>,
    written: [u64; MASK_WORDS],
}

impl Page {
    fn new() -> Page {
        Page {
            data: Box::new([0; PAGE]),
            written: [0; MASK_WORDS],
        }
    }

    fn mark(&mut self, off: usize, n: usize) {
        for i in off..off + n {
            self.written[i / 64] |= 1 << (i % 64);
        }
    }

    /// The first byte of `off..off + n` never written.
    fn first_unwritten(&self, off: usize, n: usize) -> Option<usize> {
        (off..off + n).find(|&i| self.written[i / 64] & (1 << (i % 64)) == 0)
    }
}

/// Sparse physical memory, the model's own: 4 KiB pages created on first
/// write. Reading a byte never written is a [`MemError`]. Addresses are
/// physical addresses without key id bits.
///
/// It backs every physical address no [`PhysWindow`] covers; tests that
/// write their structures at addresses of their choosing use it through
/// [`Model::memory_mut`](super::Model::memory_mut).
#[derive(Clone, Debug, Default)]
pub struct HostMemory {
    pages: BTreeMap<u64, Page>,
}

/// Calls `f(addr, page_offset, done, n)` for each piece of `pa..pa + len`
/// that lies in one 4 KiB page.
fn by_page(pa: u64, len: usize, mut f: impl FnMut(u64, usize, usize, usize)) {
    let mut done = 0;
    while done < len {
        let addr = pa.wrapping_add(done as u64);
        let off = (addr % PAGE as u64) as usize;
        let n = (PAGE - off).min(len - done);
        f(addr, off, done, n);
        done += n;
    }
}

impl HostMemory {
    /// Copy `data` to physical address `pa` (any alignment, across pages).
    pub fn write(&mut self, pa: u64, data: &[u8]) {
        by_page(pa, data.len(), |addr, off, done, n| {
            let page = self
                .pages
                .entry(addr - off as u64)
                .or_insert_with(Page::new);
            page.data[off..off + n].copy_from_slice(&data[done..done + n]);
            page.mark(off, n);
        });
    }

    /// Fill `buf` from physical address `pa`; a [`MemError`] naming the
    /// first byte never written, if any (then `buf` is partly filled).
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), MemError> {
        let mut err = None;
        by_page(pa, buf.len(), |addr, off, done, n| {
            if err.is_some() {
                return;
            }
            let base = addr - off as u64;
            match self.pages.get(&base) {
                Some(page) => match page.first_unwritten(off, n) {
                    Some(i) => {
                        err = Some(MemError {
                            pa: base + i as u64,
                        })
                    }
                    None => buf[done..done + n].copy_from_slice(&page.data[off..off + n]),
                },
                None => err = Some(MemError { pa: addr }),
            }
        });
        err.map_or(Ok(()), Err)
    }

    /// Whether every byte of `pa..pa + len` was written.
    pub fn is_written(&self, pa: u64, len: usize) -> bool {
        let mut all = true;
        by_page(pa, len, |addr, off, _, n| {
            let page = self.pages.get(&(addr - off as u64));
            all &= page.is_some_and(|p| p.first_unwritten(off, n).is_none());
        });
        all
    }

    /// The little-endian `u64` at `pa`.
    pub fn read_u64(&self, pa: u64) -> Result<u64, MemError> {
        let mut b = [0; 8];
        self.read(pa, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Store `value` little-endian at `pa`.
    pub fn write_u64(&mut self, pa: u64, value: u64) {
        self.write(pa, &value.to_le_bytes());
    }
}

/// The physical memory a model reads and writes: its windows first, then
/// its [`HostMemory`].
#[derive(Clone, Debug, Default)]
pub(crate) struct PhysMem {
    pub(crate) host: HostMemory,
    pub(crate) windows: Vec<PhysWindow>,
}

impl PhysMem {
    /// The window holding `pa`.
    fn window(&self, pa: u64) -> Option<&PhysWindow> {
        self.windows.iter().find(|w| w.contains(pa))
    }

    /// Calls `f(window, addr, done, n)` for each piece of `pa..pa + len`
    /// that lies in one page, with the window that holds that page.
    fn pieces(
        &self,
        pa: u64,
        len: usize,
        mut f: impl FnMut(Option<&PhysWindow>, u64, usize, usize),
    ) {
        by_page(pa, len, |addr, _, done, n| {
            f(self.window(addr), addr, done, n)
        });
    }

    /// Fill `buf` from `pa`.
    pub(crate) fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), MemError> {
        let mut res = Ok(());
        self.pieces(pa, buf.len(), |w, addr, done, n| {
            if res.is_err() {
                return;
            }
            let piece = &mut buf[done..done + n];
            res = match w {
                Some(w) => w.read(addr, piece),
                None => self.host.read(addr, piece),
            };
        });
        res
    }

    pub(crate) fn read_u64(&self, pa: u64) -> Result<u64, MemError> {
        let mut b = [0; 8];
        self.read(pa, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Copy `data` to `pa`: into a window where one holds it, else into
    /// the host memory.
    pub(crate) fn write(&mut self, pa: u64, data: &[u8]) {
        let mut host = Vec::new();
        self.pieces(pa, data.len(), |w, addr, done, n| {
            let piece = &data[done..done + n];
            // A piece inside a window cannot fail: `pieces` found the
            // window holding its page.
            if w.is_none_or(|w| w.write(addr, piece).is_err()) {
                host.push((addr, done, n));
            }
        });
        for (addr, done, n) in host {
            self.host.write(addr, &data[done..done + n]);
        }
    }

    /// Copy the 4 KiB page at `src` over the one at `dst` (both aligned).
    pub(crate) fn copy_page(&mut self, src: u64, dst: u64) -> Result<(), MemError> {
        let mut page = vec![0; PAGE];
        self.read(src, &mut page)?;
        self.write(dst, &page);
        Ok(())
    }

    /// Zero the 4 KiB page at `pa` (aligned).
    pub(crate) fn zero_page(&mut self, pa: u64) {
        self.write(pa, &[0; PAGE]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cross_pages_and_unwritten_memory_is_an_error() {
        let mut m = HostMemory::default();
        m.write(4090, &[1, 2, 3, 4, 5, 6, 7, 8]);
        let mut b = [0xff; 8];
        m.read(4090, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3, 4, 5, 6, 7, 8]);
        // Bytes next to written ones, in a page that exists, were never
        // written.
        assert_eq!(m.read(4088, &mut [0; 12]), Err(MemError { pa: 4088 }));
        assert_eq!(m.read(4092, &mut [0; 8]), Err(MemError { pa: 4098 }));
        assert_eq!(m.read_u64(1 << 40), Err(MemError { pa: 1 << 40 }));
        assert!(m.is_written(4090, 8) && !m.is_written(4090, 9));
        m.write_u64(8, 0x1122_3344_5566_7788);
        assert_eq!(m.read_u64(8), Ok(0x1122_3344_5566_7788));
        let mut p = PhysMem {
            host: m,
            windows: Vec::new(),
        };
        // Page 0 is only partly written: copying it reads unwritten bytes.
        assert_eq!(p.copy_page(0, 1 << 20), Err(MemError { pa: 0 }));
        p.zero_page(0);
        p.write(8, &7u64.to_le_bytes());
        p.copy_page(0, 1 << 20).unwrap();
        assert_eq!(p.read_u64((1 << 20) + 8), Ok(7));
        p.zero_page(1 << 20);
        assert_eq!(p.read_u64((1 << 20) + 8), Ok(0));
    }
}
