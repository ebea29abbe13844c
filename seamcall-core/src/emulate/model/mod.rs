//! A software TDX module (work in progress).
