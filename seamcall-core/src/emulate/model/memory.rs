//! [`HostMemory`]: the model's physical memory.

use std::collections::BTreeMap;

const PAGE: usize = 4096;

/// Sparse physical memory: 4 KiB pages created on first write; memory never
/// written reads as zeros. Addresses are physical addresses without key id
/// bits.
#[derive(Clone, Debug, Default)]
pub struct HostMemory {
    pages: BTreeMap<u64, Box<[u8; PAGE]>>,
}

impl HostMemory {
    /// Copy `data` to physical address `pa` (any alignment, across pages).
    pub fn write(&mut self, pa: u64, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let addr = pa.wrapping_add(done as u64);
            let off = (addr % PAGE as u64) as usize;
            let n = (PAGE - off).min(data.len() - done);
            let page = self
                .pages
                .entry(addr - off as u64)
                .or_insert_with(|| Box::new([0; PAGE]));
            page[off..off + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
    }

    /// Fill `buf` from physical address `pa`.
    pub fn read(&self, pa: u64, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let addr = pa.wrapping_add(done as u64);
            let off = (addr % PAGE as u64) as usize;
            let n = (PAGE - off).min(buf.len() - done);
            match self.pages.get(&(addr - off as u64)) {
                Some(page) => buf[done..done + n].copy_from_slice(&page[off..off + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
    }

    /// The little-endian `u64` at `pa`.
    pub fn read_u64(&self, pa: u64) -> u64 {
        let mut b = [0; 8];
        self.read(pa, &mut b);
        u64::from_le_bytes(b)
    }

    /// Store `value` little-endian at `pa`.
    pub fn write_u64(&mut self, pa: u64, value: u64) {
        self.write(pa, &value.to_le_bytes());
    }

    /// Copy the 4 KiB page at `src` over the one at `dst` (both aligned).
    pub(crate) fn copy_page(&mut self, src: u64, dst: u64) {
        match self.pages.get(&src).cloned() {
            Some(page) => {
                self.pages.insert(dst, page);
            }
            None => {
                self.pages.remove(&dst);
            }
        }
    }

    /// Zero the 4 KiB page at `pa` (aligned).
    pub(crate) fn zero_page(&mut self, pa: u64) {
        self.pages.remove(&pa);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cross_pages_and_unwritten_memory_is_zero() {
        let mut m = HostMemory::default();
        m.write(4090, &[1, 2, 3, 4, 5, 6, 7, 8]);
        let mut b = [0xff; 12];
        m.read(4088, &mut b);
        assert_eq!(b, [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
        assert_eq!(m.read_u64(1 << 40), 0);
        m.write_u64(8, 0x1122_3344_5566_7788);
        assert_eq!(m.read_u64(8), 0x1122_3344_5566_7788);
        m.copy_page(0, 1 << 20);
        assert_eq!(m.read_u64((1 << 20) + 8), 0x1122_3344_5566_7788);
        m.zero_page(1 << 20);
        assert_eq!(m.read_u64((1 << 20) + 8), 0);
    }
}
