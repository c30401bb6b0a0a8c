// One virtual clock shared by every server of the world.
//   now() = Date.now() + shiftMs
// Minting (iat/exp), the host's token cache, failUntil and ACE's token verification all read it,
// so a test can move server time (e.g. "the laptop slept for an hour") without touching Date.
// ACE reads it too, through the moment.now hook (ace-backend.js).

export function createClock() {
  let shiftMs = 0;
  return {
    /** Current virtual time in milliseconds. */
    now() {
      return Date.now() + shiftMs;
    },
    /** Current virtual time in whole seconds (like moment().utc().unix() in ACE). */
    nowSeconds() {
      return Math.floor((Date.now() + shiftMs) / 1000);
    },
    /** Set the absolute shift from real time. */
    setShift(ms) {
      shiftMs = toNumber(ms, 'shiftMs');
      return this.state();
    },
    /** Move virtual time forward (or back, with a negative value). */
    advance(ms) {
      shiftMs += toNumber(ms, 'advanceMs');
      return this.state();
    },
    reset() {
      shiftMs = 0;
      return this.state();
    },
    state() {
      const now = Date.now() + shiftMs;
      return { now, nowSeconds: Math.floor(now / 1000), shiftMs, realNow: now - shiftMs };
    },
    /** Apply a control body: {shiftMs} and/or {advanceMs} and/or {reset:true}. */
    apply(body = {}) {
      if (body.reset) this.reset();
      if (body.shiftMs !== undefined) this.setShift(body.shiftMs);
      if (body.advanceMs !== undefined) this.advance(body.advanceMs);
      return this.state();
    },
  };
}

function toNumber(v, name) {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${name} must be a finite number, got ${JSON.stringify(v)}`);
  return n;
}
