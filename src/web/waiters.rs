//! Callers waiting for the keeper's next answer (`token()` or `fetch` with no usable token): each
//! is a promise settled when the keeper releases them, or rejected alone when its own
//! `AbortSignal` fires or its wait reaches `timeoutMs`.

use super::listener::Listener;
use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::*;

/// One waiting caller.
pub struct Waiter {
    id: u64,
    resolve: Function,
    reject: Function,
    /// Removed when the waiter is settled or dropped.
    _abort: Option<Listener>,
    /// Rejects the caller when its wait reaches `timeoutMs`; cancelled when it is settled or dropped.
    _deadline: Timeout,
}

impl Waiter {
    /// Settles the caller's promise: `None` to resolve (it then looks for the token again), or
    /// the error to reject with.
    ///
    /// ```ignore
    /// for waiter in waiters.take_all() { waiter.settle(error.as_ref()) }
    /// ```
    pub fn settle(self, error: Option<&JsValue>) {
        // resolve and reject are the promise's own functions: they never throw or run app code.
        let _ = match error {
            None => self.resolve.call0(&JsValue::UNDEFINED),
            Some(error) => self.reject.call1(&JsValue::UNDEFINED, error),
        };
    }
}

/// The waiting callers of one keeper.
#[derive(Default)]
pub struct Waiters {
    waiting: Vec<Waiter>,
    next_id: u64,
}

impl Waiters {
    /// Adds a caller; `abort` and `deadline` are what remove it again.
    ///
    /// ```ignore
    /// let id = waiters.add(resolve, reject, Some(abort_listener), deadline_timer);
    /// ```
    pub fn add(&mut self, resolve: Function, reject: Function, abort: Option<Listener>, deadline: Timeout) -> u64 {
        self.next_id += 1;
        self.waiting.push(Waiter { id: self.next_id, resolve, reject, _abort: abort, _deadline: deadline });
        self.next_id
    }

    /// The id the next [`Waiters::add`] returns (for the abort listener made before it).
    pub fn next_id(&self) -> u64 {
        self.next_id + 1
    }

    /// Removes one caller (its signal aborted), if it is still waiting.
    pub fn remove(&mut self, id: u64) -> Option<Waiter> {
        let index = self.waiting.iter().position(|waiter| waiter.id == id)?;
        Some(self.waiting.swap_remove(index))
    }

    /// Removes every caller, to settle them all.
    pub fn take_all(&mut self) -> Vec<Waiter> {
        core::mem::take(&mut self.waiting)
    }
}
