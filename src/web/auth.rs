//! `ConnectAuth`, the class the app holds: its methods are the library's JavaScript API.

use super::error;
use super::fetch::AuthFetch;
use super::js;
use super::keeper::{BrowserKeeper, Channel};
use crate::core::options::token_options_invalid;
use js_sys::{Function, Promise, Symbol};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// The subscription React's hook uses: every snapshot change, not only the three events.
pub const CHANGES: &str = "connect-token.changes";

/// Keeps a context JWT fresh and attaches it to `fetch` calls. Create it with
/// `createConnectAuth(options)`; every method also works detached (`const { fetch } = auth`).
///
/// ```js
/// const auth = await createConnectAuth();
/// const response = await auth.fetch('/api/issues'); // Authorization: JWT <fresh token>
/// ```
#[wasm_bindgen(skip_typescript)]
pub struct ConnectAuth {
    keeper: Rc<BrowserKeeper>,
    fetch: Rc<AuthFetch>,
}

#[wasm_bindgen]
impl ConnectAuth {
    /// Not for use: `createConnectAuth(options)` makes a `ConnectAuth` (it loads the wasm first).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<ConnectAuth, JsValue> {
        Err(js_sys::TypeError::new("Use createConnectAuth(options) to create a ConnectAuth.").into())
    }

    /// `window.fetch`, with `Authorization: JWT <token>` added for allowed origins; a 401 from an
    /// allowed origin is replayed once with a new token.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestInit")] init: Option<js_sys::Object>,
    ) -> Promise {
        self.fetch.fetch(input, init.map(JsValue::from))
    }

    /// A token that is fresh now, waiting for a renewal only if none is.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TokenOptions")] options: Option<js_sys::Object>,
    ) -> Promise {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let (signal, force_refresh) = match token_options(&options) {
            Ok(read) => read,
            Err(reason) => return Promise::reject(&error::to_js(&token_options_invalid(reason))),
        };
        if force_refresh {
            self.keeper.force(None);
        }
        let keeper = self.keeper.clone();
        future_to_promise(async move { keeper.current(signal, false).await.map(JsValue::from) })
    }

    /// The decoded, UNVERIFIED claims of the current token (`undefined` before the first).
    #[wasm_bindgen(unchecked_return_type = "ContextClaims | undefined")]
    pub fn claims(&self) -> JsValue {
        self.keeper.claims()
    }

    /// The keeper's state: the same frozen object until something changes (for
    /// `useSyncExternalStore`).
    #[wasm_bindgen(unchecked_return_type = "ConnectAuthSnapshot")]
    pub fn snapshot(&self) -> JsValue {
        self.keeper.snapshot()
    }

    /// Hears `renewed`, `error` and `expired` events; returns the function that unsubscribes.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: ConnectAuthEvent) => void")] listener: JsValue,
    ) -> Result<Function, JsValue> {
        subscribe(&self.keeper, listener, Channel::Events)
    }

    /// Counters: calls to the token source, renewals, retries, failures.
    #[wasm_bindgen(unchecked_return_type = "ConnectAuthStats")]
    pub fn stats(&self) -> JsValue {
        self.keeper.stats()
    }

    /// Clears the timer and page listeners; pending and later calls reject with code `disposed`.
    pub fn dispose(&self) {
        self.keeper.dispose();
    }
}

impl ConnectAuth {
    /// Wraps a started keeper as the JavaScript object the app gets, its methods bound as own
    /// properties (so they work detached), with `[Symbol.dispose]` and React's change subscription.
    pub fn into_js(keeper: Rc<BrowserKeeper>, fetch: Rc<AuthFetch>) -> JsValue {
        let changes = keeper.clone();
        let auth = JsValue::from(ConnectAuth { keeper, fetch });
        for name in ["fetch", "token", "claims", "snapshot", "subscribe", "stats", "dispose"] {
            if let Ok(method) = js::get(&auth, name).and_then(|method| method.dyn_into::<Function>()) {
                js::set(&auth, &name.into(), &method.bind0(&auth));
            }
        }
        if let Ok(dispose) = js::get(&auth, "dispose") {
            js::set(&auth, &symbol_dispose(), &dispose);
        }
        let subscribe_changes = Closure::<dyn FnMut(JsValue) -> Result<Function, JsValue>>::new(move |listener| {
            subscribe(&changes, listener, Channel::Changes)
        });
        js::set(&auth, &Symbol::for_(CHANGES).into(), &subscribe_changes.into_js_value());
        auth
    }
}

fn subscribe(keeper: &Rc<BrowserKeeper>, listener: JsValue, channel: Channel) -> Result<Function, JsValue> {
    let listener = listener
        .dyn_into::<Function>()
        .map_err(|_| js_sys::TypeError::new("subscribe(listener): listener must be a function."))?;
    Ok(keeper.listen(listener, channel))
}

/// `Symbol.dispose`, or `Symbol.for('Symbol.dispose')` where the browser has none yet.
fn symbol_dispose() -> JsValue {
    js::get(&js::global(), "Symbol")
        .and_then(|symbol| js::get(&symbol, "dispose"))
        .ok()
        .filter(|dispose| !dispose.is_undefined())
        .unwrap_or_else(|| Symbol::for_("Symbol.dispose").into())
}

/// Reads `token(options)`: the signal and `forceRefresh`, or why they are wrong.
fn token_options(options: &JsValue) -> Result<(Option<AbortSignal>, bool), &'static str> {
    if options.is_null() || options.is_undefined() {
        return Ok((None, false));
    }
    if !options.is_object() {
        return Err("options must be an object");
    }
    let read = |key| js::get(options, key).map_err(|_| "reading an option threw");
    let (signal, force_refresh) = (read("signal")?, read("forceRefresh")?);
    let signal = match signal {
        signal if signal.is_null() || signal.is_undefined() => None,
        signal => Some(signal.dyn_into::<AbortSignal>().map_err(|_| "signal must be an AbortSignal")?),
    };
    let force_refresh = match force_refresh.as_bool() {
        Some(force_refresh) => force_refresh,
        None if force_refresh.is_undefined() => false,
        None => return Err("forceRefresh must be true or false"),
    };
    Ok((signal, force_refresh))
}
