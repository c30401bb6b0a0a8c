// Small display helpers.

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** 14:03:07 (local time). */
export function clockTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 14:03:07.123 (local time). */
export function clockTimeMs(ms) {
  return `${clockTime(ms)}.${pad(new Date(ms).getMilliseconds(), 3)}`;
}

/** 1:05 for 65 000 ms; negative durations show as 0:00. */
export function minutesSeconds(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** A request URL as short as it can be: the path for the page's own origin. */
export function shortUrl(url) {
  try {
    const u = new URL(url, window.location.href);
    return u.origin === window.location.origin ? u.pathname + u.search : u.href;
  } catch {
    return String(url);
  }
}
