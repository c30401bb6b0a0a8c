//! DOM event listeners that remove themselves when dropped (the shape of gloo-events'
//! `EventListener`): the page events that wake the keeper, and a waiting caller's `abort`.

use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

/// One callback listening to events on one or more targets until dropped.
///
/// ```ignore
/// let wake = Listener::new(&[(window.into(), "focus"), (document.into(), "visibilitychange")], move || tick());
/// drop(wake); // removed from both
/// ```
#[must_use = "the listener is removed when dropped"]
pub struct Listener {
    targets: Vec<(EventTarget, &'static str)>,
    callback: Closure<dyn FnMut()>,
}

impl Listener {
    /// Adds `callback` as a listener of each `(target, event type)`.
    pub fn new(targets: Vec<(EventTarget, &'static str)>, callback: impl FnMut() + 'static) -> Listener {
        let callback = Closure::<dyn FnMut()>::new(callback);
        for (target, kind) in &targets {
            let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        }
        Listener { targets, callback }
    }

    /// The page events after which freshness is re-checked (timers may have slept): `focus`,
    /// `online` and `pageshow` on the window, `visibilitychange` on the document. Nothing outside
    /// a window (a worker).
    pub fn page_events(callback: impl FnMut() + 'static) -> Listener {
        let mut targets: Vec<(EventTarget, &'static str)> = Vec::new();
        if let Some(document) = super::js::document() {
            let window: EventTarget = super::js::global().unchecked_into();
            targets.push((document.into(), "visibilitychange"));
            for kind in ["focus", "online", "pageshow"] {
                targets.push((window.clone(), kind));
            }
        }
        Listener::new(targets, callback)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        for (target, kind) in &self.targets {
            let _ = target.remove_event_listener_with_callback(kind, self.callback.as_ref().unchecked_ref());
        }
    }
}
