//! The backend's own session tokens through the JavaScript API in the browser (Chromium, Firefox
//! and WebKit run this file): `initialToken`, `sessionTokenHeader`, `header`, with a fake `AP`
//! and a fake backend that answers like atlassian-connect-express (a fresh token in `X-acpt`).
#![cfg(target_arch = "wasm32")]

mod browser;

use browser::{get, keeper, object, settle, statuses, ConnectAuth};
use connect_token::web::create_connect_auth;
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
let minted = 0;
// A JWT with these claims (iat now, exp now + ttl), as the host or an ACE backend mints one.
export function jwt(ttl, extra) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: '712020:alice', iat, exp: iat + ttl, n: minted++, ...extra };
  return b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' })) + '.' + b64(JSON.stringify(claims)) + '.c2ln';
}
export function install_host() {
  const host = { calls: 0, tokens: [] };
  globalThis.AP = { context: { getToken() {
    host.calls++;
    const token = jwt(900, { qsh: 'context-qsh', iss: 'jira:client' });
    host.tokens.push(token);
    return new Promise((resolve) => setTimeout(() => resolve(token), 5));
  } } };
  return host;
}
// An ACE-like backend: records each request's token header, answers `status(call)`, and sends
// `session(call)` (a token, or null for none) in X-acpt.
export function backend(status, session) {
  const log = [];
  const fetch = async (input, init) => {
    const headers = new Headers(init && init.headers);
    const body = init && init.body != null ? await new Response(init.body).text() : null;
    log.push({ url: String(input), authorization: headers.get('authorization'), acpt: headers.get('x-acpt'), body });
    const token = session(log.length);
    const response = new Response('{}', { status: status(log.length), headers: token ? { 'X-acpt': token } : {} });
    // Status 299: a response fetch reached by following a redirect (maybe another origin's).
    if (response.status === 299) Object.defineProperty(response, 'redirected', { value: true });
    return response;
  };
  return { fetch, log };
}
export function events_of(auth) {
  const events = [];
  auth.subscribe((event) => events.push(event));
  return events;
}
"#)]
extern "C" {
    fn jwt(ttl: f64, extra: &JsValue) -> String;
    fn install_host() -> JsValue;
    fn backend(status: &Function, session: &Function) -> JsValue;
    fn events_of(auth: &ConnectAuth) -> Array;
}

fn text(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// The backend's `X-acpt` for each call (`None`: no header).
fn sessions(f: impl Fn(u32) -> Option<String> + 'static) -> Function {
    Closure::<dyn Fn(u32) -> Option<String>>::new(f).into_js_value().unchecked_into()
}

/// A fresh ACE session token of the user (15 minutes).
fn ace() -> String {
    jwt(900.0, &object(&[("iss", "connect-token-demo".into())]))
}

fn sent(recorder: &JsValue, index: u32) -> JsValue {
    get(recorder, "log").unchecked_into::<Array>().get(index)
}

#[wasm_bindgen_test]
async fn the_page_token_serves_the_first_request_and_x_acpt_the_next_with_no_host_call() {
    let host = install_host();
    let page_token = ace();
    // Each a second later than the one before (two minted in the same second expire together: the
    // second is not taken).
    let later = |call: u32| Some(jwt(900.0 + f64::from(call), &object(&[("iss", "connect-token-demo".into())])));
    let recorder = backend(&statuses(|_| 200), &sessions(later));
    let k = keeper(object(&[
        ("fetch", get(&recorder, "fetch")),
        ("initialToken", page_token.clone().into()),
        ("sessionTokenHeader", "X-acpt".into()),
    ]))
    .await;
    let events = events_of(&k);
    assert_eq!(text(&k.snapshot(), "source").as_deref(), Some("backend"));
    assert_eq!(text(&k.snapshot(), "status").as_deref(), Some("fresh"));
    for _ in 0..3 {
        settle(k.fetch("/api/x".into(), JsValue::UNDEFINED)).await.unwrap();
    }
    assert_eq!(text(&sent(&recorder, 0), "authorization"), Some(format!("JWT {page_token}")));
    for index in 1..3 {
        let (before, now) = (sent(&recorder, index - 1), sent(&recorder, index));
        assert_ne!(text(&before, "authorization"), text(&now, "authorization"), "each request carries the newest");
    }
    assert_eq!(get(&host, "calls").as_f64(), Some(0.0));
    let stats = k.stats();
    assert_eq!(get(&stats, "hostCalls").as_f64(), Some(0.0));
    assert_eq!(get(&stats, "backendTokens").as_f64(), Some(3.0));
    assert_eq!(text(&stats, "initialToken").as_deref(), Some("used"));
    assert_eq!(text(&k.claims(), "iss").as_deref(), Some("connect-token-demo"));
    let renewed = events.get(0);
    assert_eq!(text(&renewed, "type").as_deref(), Some("renewed"));
    assert_eq!(text(&renewed, "source").as_deref(), Some("backend"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn the_token_goes_bare_in_the_header_option_and_a_rejected_session_token_is_replayed_with_the_hosts() {
    let host = install_host();
    let page_token = ace();
    let recorder = backend(&statuses(|call| if call == 1 { 401 } else { 200 }), &sessions(|_| None));
    let k = keeper(object(&[
        ("fetch", get(&recorder, "fetch")),
        ("initialToken", page_token.clone().into()),
        ("sessionTokenHeader", "X-acpt".into()),
        ("header", "X-acpt".into()),
    ]))
    .await;
    let init = object(&[("method", "POST".into()), ("body", "kept".into())]);
    let response = settle(k.fetch("/api/x".into(), init)).await.unwrap();
    assert_eq!(get(&response, "status").as_f64(), Some(200.0));
    let (first, replay) = (sent(&recorder, 0), sent(&recorder, 1));
    assert_eq!(text(&first, "acpt"), Some(page_token));
    assert_eq!(text(&first, "authorization"), None, "only the header asked for");
    let host_token = get(&host, "tokens").unchecked_into::<Array>().get(0).as_string();
    assert_eq!(text(&replay, "acpt"), host_token, "replayed with the host's token, in the same header");
    assert_eq!(text(&replay, "body").as_deref(), Some("kept"));
    assert_eq!(text(&k.snapshot(), "source").as_deref(), Some("host"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn an_unusable_page_token_is_ignored_and_says_why() {
    let expired = jwt(-60.0, &JsValue::UNDEFINED);
    for (token, why) in [("{{token}}".to_string(), "malformed"), (expired, "expired"), (String::new(), "malformed")] {
        let host = install_host();
        let recorder = backend(&statuses(|_| 200), &sessions(|_| None));
        let k = keeper(object(&[("fetch", get(&recorder, "fetch")), ("initialToken", token.clone().into())])).await;
        assert_eq!(text(&k.stats(), "initialToken").as_deref(), Some(why), "{token:?}");
        settle(k.fetch("/api/x".into(), JsValue::UNDEFINED)).await.unwrap();
        let host_token = get(&host, "tokens").unchecked_into::<Array>().get(0).as_string().unwrap();
        assert_eq!(text(&sent(&recorder, 0), "authorization"), Some(format!("JWT {host_token}")));
        k.dispose();
    }
    let k = keeper(object(&[("initialToken", JsValue::NULL), ("sessionTokenHeader", JsValue::NULL)])).await;
    assert_eq!(text(&k.stats(), "initialToken").as_deref(), Some("none"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn hostile_session_headers_are_ignored_and_counted() {
    install_host();
    let page_token = ace();
    let hostile = [
        Some("garbage".to_string()),
        Some(jwt(-60.0, &JsValue::UNDEFINED)),
        Some(jwt(900.0, &object(&[("sub", "712020:mallory".into())]))),
        None,
    ];
    // The fifth answer is a good token (a minute later than the page's), but after a redirect: not
    // taken either.
    let recorder = backend(
        &statuses(|call| if call == 5 { 299 } else { 200 }),
        &sessions(move |call| {
            hostile
                .get(call as usize - 1)
                .cloned()
                .flatten()
                .or_else(|| (call == 5).then(|| jwt(960.0, &JsValue::UNDEFINED)))
        }),
    );
    let k = keeper(object(&[
        ("fetch", get(&recorder, "fetch")),
        ("initialToken", page_token.clone().into()),
        ("sessionTokenHeader", "X-acpt".into()),
    ]))
    .await;
    for _ in 0..6 {
        settle(k.fetch("/api/x".into(), JsValue::UNDEFINED)).await.unwrap();
    }
    for index in 0..6 {
        assert_eq!(text(&sent(&recorder, index), "authorization"), Some(format!("JWT {page_token}")));
    }
    let stats = k.stats();
    assert_eq!(get(&stats, "ignoredTokens").as_f64(), Some(3.0));
    assert_eq!(text(&stats, "lastIgnored").as_deref(), Some("other-user"));
    k.dispose();
}

#[wasm_bindgen_test]
async fn another_allowed_origin_gets_the_hosts_token_and_keeps_its_own_session_token_to_itself() {
    let host = install_host();
    let page = web_sys::window().unwrap().location().origin().unwrap();
    let api_token = ace();
    let for_api = api_token.clone();
    let recorder = backend(&statuses(|_| 200), &sessions(move |call| (call == 1).then(|| for_api.clone())));
    let allowed = Array::of2(&page.into(), &"https://api.example.com".into());
    let k = keeper(object(&[
        ("fetch", get(&recorder, "fetch")),
        ("allowedOrigins", allowed.into()),
        ("initialToken", ace().into()),
        ("sessionTokenHeader", "X-acpt".into()),
    ]))
    .await;
    settle(k.fetch("https://api.example.com/x".into(), JsValue::UNDEFINED)).await.unwrap();
    settle(k.fetch("https://api.example.com/x".into(), JsValue::UNDEFINED)).await.unwrap();
    settle(k.fetch("/x".into(), JsValue::UNDEFINED)).await.unwrap();
    let host_token = get(&host, "tokens").unchecked_into::<Array>().get(0).as_string().unwrap();
    assert_eq!(text(&sent(&recorder, 0), "authorization"), Some(format!("JWT {host_token}")));
    assert_eq!(text(&sent(&recorder, 1), "authorization"), Some(format!("JWT {api_token}")));
    assert_ne!(text(&sent(&recorder, 2), "authorization"), Some(format!("JWT {api_token}")));
    k.dispose();
}

#[wasm_bindgen_test]
async fn bad_session_options_are_invalid_options() {
    for options in [
        object(&[("initialToken", 5.into())]),
        object(&[("sessionTokenHeader", "".into())]),
        object(&[("sessionTokenHeader", "X acpt".into())]),
        object(&[("header", "X-acpt: 1".into())]),
        object(&[("header", JsValue::NULL)]),
    ] {
        let error = settle(create_connect_auth(Some(options.unchecked_into()))).await.unwrap_err();
        assert_eq!(text(&error, "code").as_deref(), Some("invalid-options"));
    }
}
