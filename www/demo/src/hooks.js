import { useEffect, useState, useSyncExternalStore } from 'react';

/** Date.now(), refreshed every `intervalMs`. */
export function useNow(intervalMs = 250) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The activity store's snapshot (see activity.js). */
export function useActivity(activity) {
  return useSyncExternalStore(activity.subscribe, activity.getSnapshot);
}

/** The width of an element, kept up to date. */
export function useWidth(ref, fallback = 800) {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(200, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
