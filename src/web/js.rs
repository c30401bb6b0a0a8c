//! JavaScript operations that may throw on hostile values (a throwing getter, a Proxy, a revoked
//! Proxy, a `toString` that throws), imported with `catch` so that the exception comes back as an
//! `Err` instead of unwinding through the wasm (which would leave the instance half-updated).
//! `js_sys` declares these without `catch`, since they cannot throw on ordinary values.

use js_sys::{Array, JsString, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Headers;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys(value)`: throws for a Proxy whose `ownKeys` trap throws, or a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub fn object_keys(value: &JsValue) -> Result<Array, JsValue>;

    /// `Array.isArray(value)`: throws for a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `String(value)`: throws for an object whose `toString` throws or returns an object.
    #[wasm_bindgen(catch, js_name = String)]
    pub fn string_of(value: &JsValue) -> Result<JsString, JsValue>;

    /// A promise, seen only for its `then`.
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then_with(this: &Thenable, on_fulfilled: &JsValue) -> js_sys::Promise;

    /// `Object.getPrototypeOf(value)`: throws for a Proxy whose trap throws, or a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getPrototypeOf)]
    pub fn prototype_of(value: &JsValue) -> Result<JsValue, JsValue>;

    /// `Object.assign(target, source)`: runs the source's getters.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = assign)]
    pub fn assign(target: &Object, source: &JsValue) -> Result<Object, JsValue>;

    /// `Reflect.set(target, key, value)`, imported without `catch` (js-sys's has it, which wraps
    /// every call in a try/catch): it only throws for a target that is not an object, and every
    /// target here is an object we made.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &JsValue, value: &JsValue) -> bool;

    /// `Headers`, seen only for the methods below: they take the names as JavaScript strings made
    /// once, where web-sys's take Rust strings that are copied into JavaScript at every call.
    type HeaderList;
    #[wasm_bindgen(method, js_name = has)]
    fn has(this: &HeaderList, name: &JsValue) -> bool;
    #[wasm_bindgen(method, js_name = get)]
    fn get(this: &HeaderList, name: &JsValue) -> Option<String>;
    #[wasm_bindgen(method, js_name = get)]
    fn get_as_js(this: &HeaderList, name: &JsValue) -> Option<JsString>;
    #[wasm_bindgen(method, catch, js_name = set)]
    fn set(this: &HeaderList, name: &JsValue, value: &JsString) -> Result<(), JsValue>;

    /// `globalThis` (every engine in README "Browsers" and Node have it), looked up once.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: Object;
}

/// The global object: the window, a worker's scope, or Node's `globalThis`. (`js_sys::global()`
/// tries four names, each an import of its own.)
///
/// ```ignore
/// let fetch = js::get(&js::global(), "fetch")?;
/// ```
pub fn global() -> Object {
    GLOBAL_THIS.with(Object::clone)
}

/// The page's `document`, if this is a window (not a worker or Node).
///
/// ```ignore
/// let base = js::document().and_then(|document| document.base_uri().ok().flatten());
/// ```
pub fn document() -> Option<web_sys::Document> {
    get(&global(), "document").ok().filter(JsValue::is_object).map(JsCast::unchecked_into)
}

/// A copy of `source`'s own enumerable properties (`Object.assign`, which runs its getters once)
/// in an object without a prototype, so that nothing read from the copy later can reach a getter:
/// an own `__proto__` key stays a plain key instead of giving the copy a prototype.
///
/// ```ignore
/// let init = js::copy_of(&caller_init)?;
/// ```
pub fn copy_of(source: &JsValue) -> Result<Object, JsValue> {
    assign(&Object::create(JsValue::NULL.unchecked_ref()), source)
}

/// Whether `object` (a plain object of ours) has an own key equal to `lowercase` ignoring ASCII
/// case, as header names compare.
///
/// ```ignore
/// if js::has_key_ignoring_case(&headers, "authorization") { /* the caller's own */ }
/// ```
pub fn has_key_ignoring_case(object: &Object, lowercase: &str) -> bool {
    Object::keys(object).iter().any(|key| key.as_string().is_some_and(|key| key.eq_ignore_ascii_case(lowercase)))
}

/// `headers.has(name)`, `name` a JavaScript string made once.
///
/// ```ignore
/// if js::has_header(&headers, &names.authorization) { /* the caller's own */ }
/// ```
pub fn has_header(headers: &Headers, name: &JsValue) -> bool {
    headers.unchecked_ref::<HeaderList>().has(name)
}

/// `headers.get(name)`: the value, or `None` if there is none.
///
/// ```ignore
/// let date = js::get_header(&response.headers(), &names.date);
/// ```
pub fn get_header(headers: &Headers, name: &JsValue) -> Option<String> {
    headers.unchecked_ref::<HeaderList>().get(name)
}

/// `headers.get(name)` as the JavaScript string it is (a token in a header is never copied into
/// the wasm), or `None`.
///
/// ```ignore
/// let token = js::get_header_as_js(&response.headers(), session_header);
/// ```
pub fn get_header_as_js(headers: &Headers, name: &JsValue) -> Option<JsString> {
    headers.unchecked_ref::<HeaderList>().get_as_js(name)
}

/// `headers.set(name, value)` with JavaScript strings as they are (the token is never copied into
/// the wasm); `Err` for a value that is not a valid header value.
///
/// ```ignore
/// js::set_header(&headers, &names.authorization, &header)?;
/// ```
pub fn set_header(headers: &Headers, name: &JsValue, value: &JsString) -> Result<(), JsValue> {
    headers.unchecked_ref::<HeaderList>().set(name, value)
}

/// `promise.then(on_fulfilled)` with a plain function (js-sys takes only a Rust closure, which
/// would cost one closure per call). Never throws: `promise` is a real promise of ours.
///
/// ```ignore
/// let checked = js::then(&sent, &after_send.bind1(&JsValue::NULL, &context));
/// ```
pub fn then(promise: &js_sys::Promise, on_fulfilled: &JsValue) -> js_sys::Promise {
    promise.unchecked_ref::<Thenable>().then_with(on_fulfilled)
}

/// `target[key]`, or `Err` if reading it threw.
///
/// ```ignore
/// let status = js::get(&response, "status")?.as_f64();
/// ```
pub fn get(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key))
}

/// Sets `target[key] = value` on an object of ours (which has no setters that could throw).
///
/// ```ignore
/// js::set(&object, "code", &"timeout".into());
/// ```
pub fn set(target: &JsValue, key: &JsValue, value: &JsValue) {
    reflect_set(target, key, value);
}

/// Reports an error that a listener of the app's threw, as an uncaught error would be, without
/// letting it stop the library (`reportError`, where the browser has it).
///
/// ```ignore
/// if let Err(error) = listener.call1(&JsValue::UNDEFINED, &event) { js::report(&error) }
/// ```
pub fn report(error: &JsValue) {
    if let Ok(report) = get(&global(), "reportError") {
        if let Some(report) = report.dyn_ref::<js_sys::Function>() {
            let _ = report.call1(&JsValue::UNDEFINED, error);
        }
    }
}
