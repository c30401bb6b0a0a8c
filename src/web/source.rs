//! The token source: `AP.context.getToken` (promise or callback form, told apart at run time) or
//! the app's `getToken` option. What a failure means is decided by `core::source`.

use super::js;
use crate::core::source::Failure;
use js_sys::{Function, JsString, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// Where tokens come from.
pub enum Source {
    /// `AP.context.getToken`, looked up at every ask (the bridge may load after the app).
    Bridge,
    /// The app's `getToken` option.
    Option(Function),
}

/// What one ask came back with.
pub enum Answer {
    /// A string (not yet judged: it may still be malformed).
    Token(JsString),
    /// How the ask failed, and the source's own message (redacted by the core).
    Failed(Failure, String),
}

impl Source {
    /// Asks for a token; `on_answer` hears the answer (or answers: a misbehaving source may answer
    /// twice, and the keeper keeps only the first for an ask). Nothing here throws.
    ///
    /// ```ignore
    /// Source::Bridge.ask(move |answer| keeper.answered(ask_id, answer));
    /// ```
    pub fn ask(&self, on_answer: impl Fn(Answer) + Clone + 'static) {
        let returned = match self {
            Source::Option(get_token) => match get_token.call0(&JsValue::UNDEFINED) {
                Err(error) => return on_answer(Answer::Failed(Failure::OptionThrew, detail_of(&error))),
                Ok(value) if !is_thenable(&value) => return on_answer(answer_of(value)),
                Ok(value) => value,
            },
            Source::Bridge => {
                let Some((context, get_token)) = bridge() else {
                    return on_answer(Answer::Failed(Failure::Missing, String::new()));
                };
                // Always pass a callback: the real bridge (atlassian-connect-js 5.3) answers through
                // it in both forms (with no argument on error), where calling without one would lose
                // a callback-form host's answer. A promise it also returns is heard too.
                let answer = on_answer.clone();
                let callback = Closure::<dyn FnMut(JsValue)>::new(move |token: JsValue| {
                    answer(if token.is_undefined() {
                        Answer::Failed(Failure::Empty, String::new())
                    } else {
                        answer_of(token)
                    })
                });
                match get_token.call1(&context, &callback.into_js_value()) {
                    Err(error) => return on_answer(Answer::Failed(Failure::HostThrew, detail_of(&error))),
                    Ok(value) if !is_thenable(&value) => return,
                    Ok(value) => value,
                }
            }
        };
        // Promise.resolve adopts any thenable and turns a throwing `then` into a rejection.
        let answered = JsFuture::from(Promise::resolve(&returned));
        spawn_local(async move {
            on_answer(match answered.await {
                Ok(token) => answer_of(token),
                Err(error) => Answer::Failed(Failure::Rejected, detail_of(&error)),
            })
        });
    }
}

/// `AP.context` and its `getToken`, if this page is inside a Connect iframe.
fn bridge() -> Option<(JsValue, Function)> {
    let context = js::get(&js::get(&js::global(), "AP").ok()?, "context").ok()?;
    let get_token = js::get(&context, "getToken").ok()?.dyn_into::<Function>().ok()?;
    Some((context, get_token))
}

/// A string answer is a token to judge; anything else is malformed (`typeof` says what it was).
fn answer_of(value: JsValue) -> Answer {
    match value.dyn_into::<JsString>() {
        Ok(token) => Answer::Token(token),
        Err(value) => Answer::Failed(Failure::NotAString, value.js_typeof().as_string().unwrap_or_default()),
    }
}

/// Whether `value` is a promise or thenable (a hostile `then` getter counts: it rejects later).
fn is_thenable(value: &JsValue) -> bool {
    (value.is_object() || value.is_function()) && js::get(value, "then").map_or(true, |then| then.is_function())
}

/// The source's own message: an error's `message`, or the value as a string ("" if unreadable).
fn detail_of(error: &JsValue) -> String {
    if error.is_undefined() {
        return String::new();
    }
    let message =
        if error.is_object() { js::get(error, "message").unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED };
    let detail = if message.is_undefined() { error } else { &message };
    js::string_of(detail).map(String::from).unwrap_or_default()
}
