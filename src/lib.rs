//! connect-token keeps an Atlassian Connect app's single-page frontend authenticated to its own
//! backend: it renews `AP.context.getToken()` context JWTs before they lapse and attaches them to
//! the app's `fetch` calls, only for allowed origins.
//!
//! The browser decodes the token only to schedule renewals; it never verifies it (it cannot: the
//! token is signed with the installation's shared secret). The app's backend must verify every
//! token (atlassian-connect-express `addon.checkValidToken()`, atlassian-connect-spring-boot
//! `@ContextJwt`).
//!
//! [`core`] makes every decision as plain Rust that takes the time as an argument; `web` (built
//! for wasm32 only) binds it to the browser.

extern crate alloc;

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The browser build's allocator: a small free-list allocator (wasm is single-threaded), which
/// costs about 1 KB of wasm where the default dlmalloc costs about 7 KB.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without atomics runs on one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
