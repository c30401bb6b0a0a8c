// A `Date` that reads the world's virtual clock, for the thread that runs atlassian-connect-express.
// ACE reads time only through `Date` (moment's `Date.now()` / `new Date()`), so replacing the global in
// that thread moves ACE's clock with the simulator's, while the test process keeps real time.
//
// The clock's shift lives in a SharedArrayBuffer (one float64, milliseconds) that clock.js writes on
// every change: each `Date.now()` here is `real now + shift` at the instant ACE asks, with no message
// to wait for and no stepping.

/**
 * Replaces globalThis.Date with one that runs `shift[0]` ms from real time.
 * @param {Float64Array} shift  a view of the world clock's shared shift cell
 * @returns {DateConstructor} the real Date
 */
export function installVirtualDate(shift) {
  const RealDate = globalThis.Date;
  const now = () => RealDate.now() + shift[0];
  function Date(...args) {
    // Called without `new`, Date returns the current time as a string.
    if (!new.target) return new RealDate(now()).toString();
    const d = args.length === 0 ? new RealDate(now()) : new RealDate(...args);
    if (new.target !== Date) Object.setPrototypeOf(d, new.target.prototype);
    return d;
  }
  Date.prototype = RealDate.prototype; // instanceof and methods stay those of the real Date
  Date.now = now;
  Date.parse = RealDate.parse;
  Date.UTC = RealDate.UTC;
  Object.defineProperty(Date, 'length', { value: 7 });
  globalThis.Date = Date;
  return RealDate;
}
