//! The checks behind connect-token's fuzz targets, as a plain library so that the seed corpus and
//! the regressions also run as ordinary tests on stable Rust.

pub mod decode_check;
pub mod json_check;
pub mod keeper_model;
pub mod source_check;
pub mod tokens;
