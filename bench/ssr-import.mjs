// node bench/ssr-import.mjs [eager]: run each way a few times; figures vary with the machine's load.
// What importing the package costs a server process: CPU and memory, with the module loaded at
// import (as before: eager) and with it deferred to the first createConnectAuth (now, no document).
const eager = process.argv[2] === 'eager';
if (eager) globalThis.document = {}; // what made the entry load at import
const cpu0 = process.cpuUsage();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
await import(new URL('../pkg/index.js', import.meta.url).href);
await new Promise((r) => setTimeout(r, 500)); // let a load started at import finish
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ mode: eager ? 'eager (before)' : 'deferred (now)', importMs: +(performance.now() - t0 - 500).toFixed(1), cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1), rssKB: Math.round((process.memoryUsage().rss - rss0) / 1024) }));
