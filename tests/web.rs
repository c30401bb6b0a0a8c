//! The web layer in headless Chromium, with a fake `AP` in the page and a recording `fetch`.
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --tests`.
#![cfg(target_arch = "wasm32")]

use connect_token::wasm::Core;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/source.js")]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = tokenSource)]
    static TOKEN_SOURCE: Function;
}

#[wasm_bindgen(module = "/js/claims.js")]
extern "C" {
    #[wasm_bindgen(js_name = readClaims)]
    fn read_claims(token: &str) -> Array;
}

#[wasm_bindgen(module = "/js/keeper.js")]
extern "C" {
    type ConnectAuth;
    #[wasm_bindgen(catch, js_name = startConnectAuth)]
    fn start_connect_auth(core: JsValue, options: &JsValue, source: &Function) -> Result<ConnectAuth, JsValue>;
    #[wasm_bindgen(method)]
    fn fetch(this: &ConnectAuth, input: JsValue, init: JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn token(this: &ConnectAuth, options: JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn claims(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    fn snapshot(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    fn stats(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    fn dispose(this: &ConnectAuth);
}

#[wasm_bindgen(inline_js = r#"
const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
let nonce = 0;
export function make_token(ttl) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: '712020:39e9b5a4', iss: 'jira:client', qsh: 'context-qsh', iat, exp: iat + ttl, n: nonce++, context: { jira: { project: { key: 'DÉMO' } } } };
  return b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' })) + '.' + b64(JSON.stringify(claims)) + '.c2ln';
}
// A fake Connect bridge. mode: promise | callback | callback-error | reject | hang | throw | same
export function install_ap(mode, ttl) {
  const host = { calls: 0, mode, tokens: [], pending: [] };
  let cached;
  globalThis.AP = { context: { getToken(callback) {
    host.calls++;
    if (host.mode === 'throw') throw new Error('not a JWT app');
    if (host.mode === 'hang') return new Promise(() => {});
    if (host.mode === 'manual') return new Promise((resolve) => host.pending.push(resolve));
    const token = host.mode === 'same' && cached ? cached : (cached = make_token(ttl));
    host.tokens.push(token);
    if (host.mode === 'reject') return Promise.reject('Host error: 503');
    if (host.mode === 'callback-error') { setTimeout(() => callback()); return undefined; }
    if (host.mode === 'callback') { setTimeout(() => callback(token)); return undefined; }
    return new Promise((resolve) => setTimeout(() => resolve(token), 5));
  } } };
  return host;
}
export function b64url(text) { return b64(text); }
// Records the snapshot's status at every change notification (what React's hook subscribes to).
export function watch_changes(auth) {
  const seen = [];
  auth[Symbol.for('connect-token.changes')](() => seen.push(auth.snapshot().status));
  return seen;
}
export function remove_ap() { delete globalThis.AP; }
export function release_all(host) { for (const resolve of host.pending.splice(0)) { const token = make_token(900); host.tokens.push(token); resolve(token); } }
// A fetch that records what it was given. status(call) picks each response's status.
export function recording_fetch(status) {
  const log = [];
  const fetch = async (input, init) => {
    const isRequest = input instanceof Request;
    const headers = new Headers(init && init.headers !== undefined ? init.headers : isRequest ? input.headers : undefined);
    let body = null;
    if (init && init.body != null) body = await new Response(init.body).text();
    else if (isRequest && input.body) body = await input.clone().text();
    log.push({ url: isRequest ? input.url : String(input), auth: headers.get('authorization'), body, init });
    return new Response('{}', { status: status(log.length) });
  };
  return { fetch, log };
}
export function options(extra) { return Object.assign({}, extra); }
export function noop() {}
export function stream_body() { return new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('streamed')); c.close(); } }); }
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
export function throwing_options() { return { get timeoutMs() { throw new Error('boom'); } }; }
"#)]
extern "C" {
    fn make_token(ttl: f64) -> String;
    fn b64url(text: &str) -> String;
    fn watch_changes(auth: &ConnectAuth) -> Array;
    fn install_ap(mode: &str, ttl: f64) -> JsValue;
    fn remove_ap();
    fn release_all(host: &JsValue);
    fn recording_fetch(status: &Function) -> JsValue;
    fn options(extra: &JsValue) -> JsValue;
    fn noop() -> JsValue;
    fn stream_body() -> JsValue;
    fn sleep(ms: f64) -> Promise;
    fn throwing_options() -> JsValue;
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap()
}

fn number(target: &JsValue, key: &str) -> f64 {
    get(target, key).as_f64().unwrap()
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

fn keeper(options: JsValue) -> ConnectAuth {
    start_connect_auth(Core::new(42.0).into(), &options, &TOKEN_SOURCE.with(Function::clone)).unwrap()
}

fn statuses(f: impl Fn(u32) -> u16 + 'static) -> Function {
    Closure::<dyn Fn(u32) -> u16>::new(f).into_js_value().unchecked_into()
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

fn code_of(error: &JsValue) -> String {
    assert_eq!(get(error, "name").as_string().as_deref(), Some("ConnectTokenError"));
    get(error, "code").as_string().unwrap()
}

fn page_origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

#[wasm_bindgen_test]
async fn promise_form_host() {
    let host = install_ap("promise", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let token = settle(k.token(JsValue::UNDEFINED)).await.unwrap();
    let tokens: Array = get(&host, "tokens").unchecked_into();
    assert_eq!(token, tokens.get(0));
    assert_eq!(number(&k.stats(), "hostCalls"), 1.0);
    let claims = k.claims();
    assert_eq!(get(&claims, "qsh").as_string().as_deref(), Some("context-qsh"));
    let project = get(&get(&get(&claims, "context"), "jira"), "project");
    assert_eq!(get(&project, "key").as_string().as_deref(), Some("DÉMO"), "UTF-8 claims");
    assert_eq!(get(&k.snapshot(), "status").as_string().as_deref(), Some("fresh"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn callback_form_host() {
    let host = install_ap("callback", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let token = settle(k.token(JsValue::UNDEFINED)).await.unwrap();
    let tokens: Array = get(&host, "tokens").unchecked_into();
    assert_eq!(token, tokens.get(0));
    k.dispose();
}

#[wasm_bindgen_test]
async fn callback_form_error_without_argument_is_a_host_error() {
    install_ap("callback-error", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "host-error");
    assert_eq!(get(&k.snapshot(), "status").as_string().as_deref(), Some("failed"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn rejected_promise_with_a_plain_string_is_a_host_error_with_its_message() {
    install_ap("reject", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "host-error");
    assert!(get(&error, "message").as_string().unwrap().contains("Host error: 503"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn a_host_that_never_answers_times_out() {
    install_ap("hang", 900.0);
    let k = keeper(object(&[("timeoutMs", 200.into())]));
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "timeout");
    k.dispose();
}

#[wasm_bindgen_test]
async fn host_that_throws_is_fatal() {
    let host = install_ap("throw", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "host-error");
    assert!(get(&error, "message").as_string().unwrap().contains("JWT authentication"));
    JsFuture::from(sleep(2_500.0)).await.unwrap();
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "host-error");
    assert_eq!(number(&host, "calls"), 1.0, "a fatal error is not retried");
    k.dispose();
}

#[wasm_bindgen_test]
async fn no_ap_is_host_unavailable_and_says_how_to_run_outside_jira() {
    remove_ap();
    let k = keeper(JsValue::UNDEFINED);
    let error = settle(k.token(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(code_of(&error), "host-unavailable");
    assert!(get(&error, "message").as_string().unwrap().contains("getToken"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn the_get_token_option_replaces_the_bridge() {
    remove_ap();
    let source = Closure::<dyn Fn() -> String>::new(|| make_token(900.0)).into_js_value();
    let k = keeper(object(&[("getToken", source)]));
    let token = settle(k.token(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(token.as_string().unwrap().split('.').count(), 3);
    k.dispose();
}

#[wasm_bindgen_test]
async fn concurrent_callers_share_one_host_call() {
    let host = install_ap("promise", 900.0);
    let recorder = recording_fetch(&statuses(|_| 200));
    let k = keeper(object(&[("fetch", get(&recorder, "fetch"))]));
    let calls = Array::new();
    for i in 0..100 {
        calls.push(&k.token(JsValue::UNDEFINED));
        calls.push(&k.fetch(format!("/api/{i}").into(), JsValue::UNDEFINED));
    }
    settle(Promise::all(&calls)).await.unwrap();
    assert_eq!(number(&host, "calls"), 1.0);
    let log: Array = get(&recorder, "log").unchecked_into();
    assert_eq!(log.length(), 100);
    let token = get(&host, "tokens").unchecked_into::<Array>().get(0).as_string().unwrap();
    for entry in log.iter() {
        assert_eq!(get(&entry, "auth").as_string(), Some(format!("JWT {token}")));
    }
    k.dispose();
}

#[wasm_bindgen_test]
async fn every_snapshot_change_is_notified_for_react_not_only_events() {
    let host = install_ap("manual", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let seen = watch_changes(&k);
    let status = |k: &ConnectAuth| get(&k.snapshot(), "status").as_string().unwrap();
    assert_eq!(status(&k), "renewing", "the first ask is under way");
    let pending = k.token(JsValue::UNDEFINED);
    release_all(&host);
    settle(pending).await.unwrap();
    assert_eq!(status(&k), "fresh");
    assert_eq!(seen.iter().last().and_then(|s| s.as_string()).as_deref(), Some("fresh"), "{seen:?}");
    // A forced renewal starts an ask without any event: the hook still hears of it.
    let forced = k.token(object(&[("forceRefresh", true.into())]));
    assert_eq!(status(&k), "renewing", "due, within the minimum interval between asks");
    assert_eq!(seen.iter().last().and_then(|s| s.as_string()).as_deref(), Some("renewing"), "{seen:?}");
    while number(&host, "calls") < 2.0 {
        JsFuture::from(sleep(100.0)).await.unwrap();
    }
    release_all(&host);
    settle(forced).await.unwrap();
    k.dispose();
}

#[wasm_bindgen_test]
async fn a_401_renews_once_and_replays_the_body_once() {
    let host = install_ap("promise", 900.0);
    let recorder = recording_fetch(&statuses(|call| if call == 1 { 401 } else { 200 }));
    let k = keeper(object(&[("fetch", get(&recorder, "fetch"))]));
    settle(k.token(JsValue::UNDEFINED)).await.unwrap();
    JsFuture::from(sleep(2_100.0)).await.unwrap(); // the minimum interval between host calls
    let init = object(&[("method", "POST".into()), ("body", r#"{"a":"é"}"#.into())]);
    let response = settle(k.fetch("/api/x".into(), init)).await.unwrap();
    assert_eq!(number(&response, "status"), 200.0);
    let log: Array = get(&recorder, "log").unchecked_into();
    assert_eq!(log.length(), 2);
    let (first, second) = (log.get(0), log.get(1));
    assert_ne!(get(&first, "auth"), get(&second, "auth"));
    assert_eq!(get(&second, "body").as_string().as_deref(), Some(r#"{"a":"é"}"#));
    assert_eq!(number(&host, "calls"), 2.0);
    k.dispose();
}

#[wasm_bindgen_test]
async fn a_401_with_the_same_token_back_is_returned_as_is_and_concurrent_401s_share_the_renewal() {
    let host = install_ap("same", 900.0);
    let recorder = recording_fetch(&statuses(|_| 401));
    let k = keeper(object(&[("fetch", get(&recorder, "fetch"))]));
    settle(k.token(JsValue::UNDEFINED)).await.unwrap();
    JsFuture::from(sleep(2_100.0)).await.unwrap();
    let calls = Array::new();
    for _ in 0..5 {
        calls.push(&k.fetch("/api/x".into(), JsValue::UNDEFINED));
    }
    let responses: Array = settle(Promise::all(&calls)).await.unwrap().unchecked_into();
    for response in responses.iter() {
        assert_eq!(number(&response, "status"), 401.0);
    }
    assert_eq!(get(&recorder, "log").unchecked_into::<Array>().length(), 5, "never replayed");
    assert_eq!(number(&host, "calls"), 2.0, "one shared renewal");
    k.dispose();
}

#[wasm_bindgen_test]
async fn stream_bodies_are_not_replayed() {
    install_ap("promise", 900.0);
    let recorder = recording_fetch(&statuses(|_| 401));
    let k = keeper(object(&[("fetch", get(&recorder, "fetch"))]));
    let init = object(&[("method", "POST".into()), ("body", stream_body()), ("duplex", "half".into())]);
    let response = settle(k.fetch("/api/x".into(), init)).await.unwrap();
    assert_eq!(number(&response, "status"), 401.0);
    assert_eq!(get(&recorder, "log").unchecked_into::<Array>().length(), 1);
    k.dispose();
}

#[wasm_bindgen_test]
async fn the_token_goes_only_to_allowed_origins_and_never_over_the_callers_header() {
    install_ap("promise", 900.0);
    let recorder = recording_fetch(&statuses(|_| 200));
    let allowed = Array::of2(&page_origin().into(), &"https://api.example.com".into());
    let k = keeper(object(&[("fetch", get(&recorder, "fetch")), ("allowedOrigins", allowed.into())]));
    let urls = [
        ("/relative", true),
        ("relative/path", true),
        ("https://api.example.com/x", true),
        ("https://API.example.com:443/x", true),
        ("https://evil.example/x", false),
        ("https://api.example.com@evil.example/x", false),
        ("//evil.example/x", false),
        ("https://api.example.com.evil.example/", false),
    ];
    for (url, allowed) in urls {
        settle(k.fetch(url.into(), JsValue::UNDEFINED)).await.unwrap();
        let log: Array = get(&recorder, "log").unchecked_into();
        let auth = get(&log.get(log.length() - 1), "auth");
        assert_eq!(auth.is_string(), allowed, "{url}");
    }
    let own = object(&[("headers", object(&[("Authorization", "Basic abc".into())]))]);
    settle(k.fetch("/relative".into(), own)).await.unwrap();
    let log: Array = get(&recorder, "log").unchecked_into();
    assert_eq!(get(&log.get(log.length() - 1), "auth").as_string().as_deref(), Some("Basic abc"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn abort_cancels_only_that_callers_wait() {
    let host = install_ap("manual", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let controller = web_sys::AbortController::new().unwrap();
    let aborted = k.token(object(&[("signal", controller.signal().into())]));
    let other = k.token(JsValue::UNDEFINED);
    controller.abort();
    assert_eq!(code_of(&settle(aborted).await.unwrap_err()), "aborted");
    // The shared renewal goes on: the other caller gets the token once the host answers.
    release_all(&host);
    let token = settle(other).await.unwrap();
    assert_eq!(token, get(&host, "tokens").unchecked_into::<Array>().get(0));
    assert_eq!(number(&host, "calls"), 1.0);
    k.dispose();
}

#[wasm_bindgen_test]
async fn fetch_abort_rejects_with_an_abort_error() {
    install_ap("hang", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let controller = web_sys::AbortController::new().unwrap();
    let pending = k.fetch("/api".into(), object(&[("signal", controller.signal().into())]));
    controller.abort();
    let error = settle(pending).await.unwrap_err();
    assert_eq!(get(&error, "name").as_string().as_deref(), Some("AbortError"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn dispose_rejects_pending_and_later_calls_and_stops_asking() {
    let host = install_ap("hang", 900.0);
    let k = keeper(JsValue::UNDEFINED);
    let pending = k.token(JsValue::UNDEFINED);
    k.dispose();
    assert_eq!(code_of(&settle(pending).await.unwrap_err()), "disposed");
    assert_eq!(code_of(&settle(k.token(JsValue::UNDEFINED)).await.unwrap_err()), "disposed");
    assert_eq!(code_of(&settle(k.fetch("/api".into(), JsValue::UNDEFINED)).await.unwrap_err()), "disposed");
    let elsewhere = k.fetch("https://elsewhere.example/".into(), JsValue::UNDEFINED);
    assert_eq!(code_of(&settle(elsewhere).await.unwrap_err()), "disposed", "every later call");
    JsFuture::from(sleep(300.0)).await.unwrap();
    assert_eq!(number(&host, "calls"), 1.0);
}

#[wasm_bindgen_test]
fn bad_options_are_invalid_options_with_a_reason() {
    install_ap("promise", 900.0);
    let cases = [
        object(&[("timeoutMs", "10".into())]),
        object(&[("timeoutMs", f64::NAN.into())]),
        object(&[("renewMarginSeconds", (-1).into())]),
        object(&[("allowedOrigins", "https://a.example".into())]),
        object(&[("allowedOrigins", Array::of1(&"https://a.example/path".into()).into())]),
        object(&[("allowedOrigins", Array::new().into())]),
        object(&[("scheme", "JWT\n".into())]),
        object(&[("getToken", "token".into())]),
        object(&[("retryUnauthorized", 1.into())]),
        object(&[("renewMargin", 60.into())]),
        throwing_options(),
        JsValue::from(5),
    ];
    for options in cases {
        let error =
            start_connect_auth(Core::new(1.0).into(), &options, &TOKEN_SOURCE.with(Function::clone)).err().unwrap();
        assert_eq!(code_of(&error), "invalid-options");
        assert!(get(&error, "message").as_string().unwrap().len() > 20);
    }
    let _ = (options(&JsValue::UNDEFINED), noop());
}

#[wasm_bindgen_test]
fn claims_are_read_by_the_browsers_parsers_into_the_shapes_the_core_judges() {
    let claims = |json: &str| format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", b64url(json));
    let cases = [
        (String::new(), 1),
        ("a.b".into(), 1),
        ("a.b.c.d".into(), 1),
        ("h.e30*.s".into(), 2),
        ("h.e3+0.s".into(), 2),
        ("h.abcde.s".into(), 2),
        ("h.ww.s".into(), 3), // the lone byte 0xC3
        (claims("not json"), 4),
        (claims("{\"exp\":1"), 4),
        (claims("[1764000900]"), 5),
        (claims("42"), 5),
        (claims("null"), 5),
        (claims("{}"), 0),
    ];
    for (token, shape) in cases {
        assert_eq!(read_claims(&token).get(0).as_f64(), Some(f64::from(shape)), "{token}");
    }
    let read = read_claims(&claims(r#"{"exp":1764000900,"name":"Zoë 日本 🚀"}"#));
    assert_eq!(number(&read.get(1), "exp"), 1_764_000_900.0);
    assert_eq!(get(&read.get(1), "name").as_string().as_deref(), Some("Zoë 日本 🚀"));
}
