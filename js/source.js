// The token source adapter: turns AP.context.getToken (promise or callback form, detected at run
// time) or the getToken option into `() => Promise<string>`. A failure rejects with
// `{ kind, detail }`; the Rust core decides what each kind means (src/core/source.rs).

const detailOf = (error) => {
  try {
    return String(error && typeof error === 'object' && 'message' in error ? error.message : error);
  } catch {
    return '';
  }
};

const isThenable = (value) => {
  try {
    return !!value && typeof value.then === 'function';
  } catch {
    return true; // a hostile `then` getter: calling it below fails as a rejection
  }
};

export function tokenSource(getToken) {
  return () =>
    new Promise((resolve, reject) => {
      const fail = (kind, detail) => reject({ kind, detail: detail === undefined ? '' : detailOf(detail) });
      const answer = (token) => (typeof token === 'string' ? resolve(token) : fail('not-string', typeof token));
      let returned;
      if (getToken) {
        try {
          returned = getToken();
        } catch (error) {
          return fail('option-threw', error);
        }
        if (!isThenable(returned)) return answer(returned);
      } else {
        const context = globalThis.AP && globalThis.AP.context;
        if (!context || typeof context.getToken !== 'function') return fail('missing');
        try {
          // Always pass a callback: the real bridge (atlassian-connect-js 5.3) then answers through
          // it in both forms (called back with no argument on error, so the host's own message is
          // lost), where calling without one would lose the answer of a callback-form host. A
          // bridge that also returns a promise is heard too; whichever answers first wins.
          returned = context.getToken((token) => (token === undefined ? fail('empty') : answer(token)));
        } catch (error) {
          return fail('host-threw', error);
        }
        if (!isThenable(returned)) return;
      }
      try {
        returned.then(answer, (error) => fail('rejected', error));
      } catch (error) {
        fail('rejected', error);
      }
    });
}
