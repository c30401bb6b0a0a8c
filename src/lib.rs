//! connect-token keeps an Atlassian Connect app's single-page frontend authenticated to its own
//! backend: it renews `AP.context.getToken()` context JWTs before they lapse and attaches them to
//! the app's `fetch` calls, only for allowed origins.
//!
//! The browser decodes the token only to schedule renewals; it never verifies it (it cannot: the
//! token is signed with the installation's shared secret). The app's backend must verify every
//! token (atlassian-connect-express `addon.checkValidToken()`, atlassian-connect-spring-boot
//! `@ContextJwt`).

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod web;
