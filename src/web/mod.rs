//! The browser binding: everything that touches the browser, in Rust. It carries out what
//! `crate::core` decides, each crate in its natural role:
//! - wasm-bindgen: the exported API ([`ConnectAuth`], [`create_connect_auth`]) and its types;
//! - js-sys: `AP.context.getToken` through `Reflect` and `Function`, promises, `Error` objects,
//!   frozen snapshots, `JSON.parse` for the claims;
//! - wasm-bindgen-futures: awaiting the host's and `fetch`'s promises, returning promises;
//! - web-sys: `fetch`'s `Request`/`Headers`/`Response`, `AbortSignal`, page events, `URL`;
//! - gloo-timers: the keeper's one wake-up timer;
//! - serde-wasm-bindgen: snapshots, stats and events out, as plain objects.

mod auth;
mod claims;
mod clock;
mod error;
mod fetch;
mod js;
mod keeper;
mod listener;
mod options;
mod report;
mod source;
mod timer;
mod types;
mod waiters;

pub use auth::ConnectAuth;

use crate::core::error::Error;
use crate::core::keeper::Settings;
use fetch::{AuthFetch, Sender};
use js_sys::Promise;
use keeper::{BrowserKeeper, Config};
use source::Source;
use wasm_bindgen::prelude::*;

/// Starts a keeper with `options` (the package's `createConnectAuth` loads the wasm, then calls
/// this). Resolves to a [`ConnectAuth`]; rejects with `invalid-options` saying which option is
/// wrong and why. The first token is asked for at once.
///
/// ```js
/// import init, { createConnectAuth } from './connect_token.js';
/// await init();
/// const auth = await createConnectAuth({ allowedOrigins: ['https://api.example.com'] });
/// ```
#[wasm_bindgen(js_name = createConnectAuth, skip_typescript)]
pub fn create_connect_auth(
    #[wasm_bindgen(unchecked_param_type = "ConnectAuthOptions")] options: Option<js_sys::Object>,
) -> Promise {
    match start(&options.map_or(JsValue::UNDEFINED, JsValue::from)) {
        Ok(auth) => Promise::resolve(&auth),
        Err(invalid) => Promise::reject(&error::to_js(&invalid)),
    }
}

fn start(options: &JsValue) -> Result<JsValue, Error> {
    let jitter_seed = (js_sys::Math::random() * 4_503_599_627_370_496.0) as u64; // 2^52
    let options = options::read(options, jitter_seed)?;
    let base = base_url();
    let base_origin = web_sys::Url::new(&base).map(|url| url.origin()).ok().filter(|origin| origin != "null");
    let mut allowed = options.allowed_origins;
    if allowed.is_empty() {
        allowed.extend(base_origin.clone());
    }
    let page_origin = base_origin.and_then(|origin| allowed.iter().position(|allowed| *allowed == origin));
    let fetch = options.fetch.or_else(|| js::get(&js::global(), "fetch").ok().and_then(|f| f.dyn_into().ok()));
    let sender =
        Sender { fetch, base, allowed, base_origin: page_origin, retry_unauthorized: options.retry_unauthorized };
    let source = options.get_token.map_or(Source::Bridge, Source::Option);
    let (header, is_authorization) = options.header;
    let timeout = options.settings.timeout;
    let config = Config { source, scheme: options.scheme, bare: !is_authorization, timeout, page_origin };
    let settings = Settings { page_origin, ..options.settings };
    let keeper = BrowserKeeper::start(settings, config, options.initial_token);
    let fetch = AuthFetch::new(keeper.clone(), sender, &header, options.session_token_header.as_deref());
    Ok(ConnectAuth::into_js(keeper, fetch))
}

/// The URL relative request URLs resolve against: the document's base URL, else the location.
fn base_url() -> String {
    let document_base = js::document().and_then(|document| document.base_uri().ok().flatten());
    document_base
        .or_else(|| js::get(&js::get(&js::global(), "location").ok()?, "href").ok()?.as_string())
        .unwrap_or_default()
}
