//! The browser binding: the `Keeper` class that the JavaScript entry (`js/index.js`) wraps as
//! `ConnectAuth`. It only reads JavaScript values and carries out the core's decisions.
//! Public so that the browser tests (tests/web.rs) can drive it; applications use `pkg/`.

mod driver;
mod js_error;
mod options;
mod request;

use crate::core::error::Error;
use crate::core::keeper;
use driver::{AbortAs, Shared, State};
use js_error::to_js;
use js_sys::{Function, Object, Promise, Reflect};
use request::Sender;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// One token keeper: wrapped by `ConnectAuth` in `js/index.js`, not used directly.
#[wasm_bindgen]
pub struct Keeper {
    shared: Rc<Shared>,
    sender: Rc<Sender>,
}

#[wasm_bindgen]
impl Keeper {
    /// Checks `options` and starts keeping: the first token is asked for at once.
    /// `make_source(getToken | undefined)` returns the token source adapter; `notify(event)`
    /// receives subscriber events.
    pub fn create(options: JsValue, make_source: Function, notify: Function, seed: f64) -> Result<Keeper, JsValue> {
        let (base_url, page_origin) = page_base();
        let options = options::read(&options, page_origin.as_deref(), seed.to_bits()).map_err(|e| to_js(&e))?;
        let source =
            make_source.call1(&JsValue::UNDEFINED, &options.get_token.map_or(JsValue::UNDEFINED, JsValue::from))?;
        let source: Function = source.dyn_into()?;
        let fetch = match options.fetch {
            Some(fetch) => fetch,
            None => Reflect::get(&js_sys::global(), &"fetch".into())?.dyn_into()?,
        };
        let base_allowed = page_origin.is_some_and(|origin| options.allowed_origins.contains(&origin));
        let sender = Sender {
            fetch,
            allowed: options.allowed_origins,
            base_url,
            base_allowed,
            retry_unauthorized: options.retry_unauthorized,
        };
        let core = keeper::Keeper::new(options.settings);
        let shared = Rc::new(RefCell::new(State::new(core, source, notify, options.scheme)));
        driver::listen_to_page(&shared);
        driver::tick(&shared);
        Ok(Keeper { shared, sender: Rc::new(sender) })
    }

    /// `fetch` with the token attached for allowed origins.
    pub fn fetch(&self, input: JsValue, init: JsValue) -> Promise {
        request::fetch(&self.shared, &self.sender, input, init)
    }

    /// A token that is fresh now: `token({ signal, forceRefresh })`.
    pub fn token(&self, options: JsValue) -> Promise {
        let (signal, force) = match token_options(&options) {
            Ok(parsed) => parsed,
            Err(error) => return Promise::reject(&to_js(&error)),
        };
        if force {
            let raw = self.shared.borrow().current.as_ref().map(|current| current.raw.clone());
            if let Some(raw) = raw {
                let step = self.shared.borrow_mut().core.force(driver::now(), &raw);
                driver::apply(&self.shared, step);
            }
        }
        let shared = self.shared.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let current = driver::current(&shared, signal.as_ref(), AbortAs::ConnectTokenError).await?;
            Ok(current.token.clone())
        })
    }

    /// The decoded, unverified claims of the held token, or `undefined`.
    pub fn claims(&self) -> JsValue {
        self.shared.borrow_mut().claims()
    }

    /// Changes whenever `snapshot()` would change.
    pub fn version(&self) -> f64 {
        self.shared.borrow().core.version() as f64
    }

    /// `{ status, claims?, expiresAt?, error? }`, built anew (the JavaScript side caches it by version).
    pub fn snapshot(&self) -> JsValue {
        let mut state = self.shared.borrow_mut();
        let snapshot = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&snapshot, &key.into(), &value);
        };
        set("status", state.core.status().as_str().into());
        if state.core.held().is_some() {
            set("claims", state.claims());
        }
        if let Some(at) = state.core.expires_at_page_time() {
            set("expiresAt", (at as f64).into());
        }
        if let Some(error) = state.core.last_error() {
            set("error", to_js(error));
        }
        Object::freeze(&snapshot).into()
    }

    /// `{ hostCalls, renewals, retries, failures }`.
    pub fn stats(&self) -> JsValue {
        let stats = self.shared.borrow().core.stats();
        let object = Object::new();
        for (key, value) in [
            ("hostCalls", stats.host_calls),
            ("renewals", stats.renewals),
            ("retries", stats.retries),
            ("failures", stats.failures),
        ] {
            let _ = Reflect::set(&object, &key.into(), &value.into());
        }
        object.into()
    }

    /// Clears the timer and page listeners; pending and later calls reject with `disposed`.
    pub fn dispose(&self) {
        driver::dispose(&self.shared);
    }
}

/// The document's base URL and its origin (`location` in a worker), if there is one.
fn page_base() -> (Option<String>, Option<String>) {
    let global = js_sys::global();
    let get = |target: &JsValue, key: &str| Reflect::get(target, &key.into()).ok().filter(|v| !v.is_undefined());
    let base = get(&global, "document")
        .and_then(|document| get(&document, "baseURI"))
        .or_else(|| get(&global, "location").and_then(|location| get(&location, "href")))
        .and_then(|base| base.as_string());
    let origin = base.as_deref().and_then(|base| web_sys::Url::new(base).ok()).map(|url| url.origin());
    (base, origin.filter(|origin| origin != "null"))
}

fn token_options(options: &JsValue) -> Result<(Option<AbortSignal>, bool), Error> {
    use crate::core::options::invalid;
    if options.is_undefined() || options.is_null() {
        return Ok((None, false));
    }
    if !options.is_object() {
        return Err(invalid("token(options): options must be an object such as { signal, forceRefresh }."));
    }
    let get =
        |key: &str| Reflect::get(options, &key.into()).map_err(|_| invalid("token(options): reading an option threw."));
    let signal = match get("signal")? {
        value if value.is_undefined() || value.is_null() => None,
        value => Some(
            value.dyn_into::<AbortSignal>().map_err(|_| invalid("token(options): signal must be an AbortSignal."))?,
        ),
    };
    let force = match get("forceRefresh")? {
        value if value.is_undefined() => false,
        value => value.as_bool().ok_or_else(|| invalid("token(options): forceRefresh must be true or false."))?,
    };
    Ok((signal, force))
}
