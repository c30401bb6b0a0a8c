// The token source adapter: turns AP.context.getToken (promise or callback form, detected at run
// time) or the getToken option into `() => Promise<string>`. A failure rejects with
// `{ kind, detail }`; the Rust core decides what each kind means (src/core/source.rs).

// The kinds, as `Failure::from_code` reads them.
const REJECTED = 0;
const MISSING = 1;
const HOST_THREW = 2;
const OPTION_THREW = 3;
const EMPTY = 4;
const NOT_A_STRING = 5;

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
      const answer = (token) => (typeof token === 'string' ? resolve(token) : fail(NOT_A_STRING, typeof token));
      let returned;
      if (getToken) {
        try {
          returned = getToken();
        } catch (error) {
          return fail(OPTION_THREW, error);
        }
        if (!isThenable(returned)) return answer(returned);
      } else {
        const context = globalThis.AP && globalThis.AP.context;
        if (!context || typeof context.getToken !== 'function') return fail(MISSING);
        try {
          // Always pass a callback: the real bridge (atlassian-connect-js 5.3) then answers through
          // it in both forms (called back with no argument on error, so the host's own message is
          // lost), where calling without one would lose the answer of a callback-form host. A
          // bridge that also returns a promise is heard too; whichever answers first wins.
          returned = context.getToken((token) => (token === undefined ? fail(EMPTY) : answer(token)));
        } catch (error) {
          return fail(HOST_THREW, error);
        }
        if (!isThenable(returned)) return;
      }
      try {
        returned.then(answer, (error) => fail(REJECTED, error));
      } catch (error) {
        fail(REJECTED, error);
      }
    });
}
