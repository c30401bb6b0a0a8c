//! connect-token keeps an Atlassian Connect app's single-page frontend authenticated to its own
//! backend: it renews `AP.context.getToken()` context JWTs before they lapse and attaches them to
//! the app's `fetch` calls, only for allowed origins.
//!
//! The browser decodes the token only to schedule renewals; it never verifies it (it cannot: the
//! token is signed with the installation's shared secret). The app's backend must verify every
//! token (atlassian-connect-express `addon.checkValidToken()`, atlassian-connect-spring-boot
//! `@ContextJwt`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The browser build's allocator: a small free-list allocator (wasm is single-threaded), which
/// costs about 1 KB of wasm where the default dlmalloc costs about 7 KB.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without atomics runs on one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The package build has no `std` (`--no-default-features`): a panic, which the code is written
/// never to reach, traps without the formatting machinery std's handler would add (about 2.5 KB).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn trap(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
