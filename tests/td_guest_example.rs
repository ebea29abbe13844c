//! `examples/td_guest.rs` runs, end to end (host build, guest accept,
//! RTMR extend, MapGPA with a RETRY, TDREPORT), and what it shows holds: the TDREPORT's MRTD is
//! the host's, and both are the SHA-384 of the build's measurement blocks
//! computed here independently.

#[allow(dead_code)]
#[path = "../examples/td_guest.rs"]
mod example;

use sha2::{Digest, Sha384};

/// The 128-byte block the module hashes for MEM.PAGE.ADD and MR.EXTEND:
/// the operation name zero-padded to 16 bytes, the GPA, zeros.
fn block(name: &[u8], gpa: u64) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[..name.len()].copy_from_slice(name);
    b[16..24].copy_from_slice(&gpa.to_le_bytes());
    b
}

#[test]
fn the_example_runs_and_its_report_carries_the_hosts_mrtd() {
    let s = example::run().unwrap_or_else(|e| panic!("the example failed: {e}"));
    let text = b"seamcall td_guest example: this page is measured into MRTD. ";
    let image: Vec<u8> = (0..4096).map(|i| text[i % text.len()]).collect();
    let mut h = Sha384::new();
    h.update(block(b"MEM.PAGE.ADD", 0));
    for c in 0..16u64 {
        h.update(block(b"MR.EXTEND", c * 256));
        h.update(&image[c as usize * 256..(c as usize + 1) * 256]);
    }
    h.update(block(b"MEM.PAGE.ADD", 0x1000));
    let mrtd = h.finalize();
    assert_eq!(s.host_mrtd, mrtd.to_vec(), "the host's MRTD");
    assert_eq!(&s.report[528..576], &mrtd[..], "the TDREPORT's MRTD");
    assert_eq!(s.report[0], 0x81);
    assert_eq!(&s.report[128..153], b"seamcall td_guest example");
    let digest: Vec<u8> = (0..48u8).map(|i| i.wrapping_mul(37)).collect();
    let rtmr2 = Sha384::new()
        .chain_update([0u8; 48])
        .chain_update(&digest)
        .finalize();
    assert_eq!(s.rtmr2.to_vec(), rtmr2.to_vec());
    assert_eq!(&s.report[816..864], &rtmr2[..], "RTMR2 in TDINFO");
    assert_eq!(s.accepted, (1, 4), "one 2 MiB accept, four 4 KiB ones");
    assert_eq!(
        s.mapped_after, 516,
        "the host sees every augmented page mapped"
    );
    assert_eq!(
        s.map_gpa,
        (2, 1),
        "MapGPA: one RETRY after the first 2 MiB, then done"
    );
    assert_eq!(
        s.shared,
        [(0x80_0000, 0xC0_0000)],
        "4 MiB shared at the VMM"
    );
}
