//! Trap-and-emulate (work in progress).
