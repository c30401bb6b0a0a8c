//! The checks behind connect-token's fuzz targets, as a plain library so that the seed corpus and
//! the regressions also run as ordinary tests on stable Rust.

pub mod bounds;
pub mod claims_check;
pub mod claims_text_check;
pub mod glue;
pub mod keeper_model;
pub mod source_check;
pub mod tokens;

/// Whether the checks of the known issues (harness/tests/known_issues.rs) are on: set
/// `FUZZ_STRICT=1`. Off by default so that a fuzz run looks for new problems rather than finding
/// the known ones again and again.
pub fn strict() -> bool {
    std::env::var_os("FUZZ_STRICT").is_some()
}
