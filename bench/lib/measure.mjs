// Times a page's named loops (window.bench.run(name, n) in bench/pages/bench.js) in interleaved
// rounds, two ways: wall time in the page (performance.now), and the renderer main thread's CPU
// time (DevTools Performance.getMetrics ThreadTime, read before and after each round, less the
// median cost of an empty round, i.e. the protocol calls themselves). Wall time counts whatever
// else the machine runs; CPU time does not (GC work on V8's helper threads is not in it either).

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * `cdp` is a CDPSession of `page` with Performance enabled. `prepare(n)`, if given, runs before the
 * warm-up and before each round, untimed (for loops that use up what they run on).
 */
export async function measure(page, cdp, names, { perRound, rounds, warmup, prepare }) {
  const threadTime = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((metric) => metric.name === 'ThreadTime').value * 1e9;
  };
  const once = async (name, n) => {
    const before = await threadTime();
    const wall = await page.evaluate(([name, n]) => window.bench.run(name, n), [name, n]);
    return { wall, cpu: (await threadTime()) - before };
  };
  if (prepare) await prepare(warmup);
  for (const name of names) await once(name, warmup);
  const empty = [];
  for (let i = 0; i < 9; i++) empty.push((await once('harness', 0)).cpu);
  const base = median(empty);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    if (prepare) await prepare(perRound);
    // Rotate the order each round so no variant always runs right after another.
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const r = await once(name, perRound);
      runs[name].push({ wall: r.wall, cpu: (r.cpu - base) / perRound });
    }
  }
  return Object.fromEntries(names.map((name) => [name, {
    median: median(runs[name].map((r) => r.wall)),
    cpu: median(runs[name].map((r) => r.cpu)),
    rounds: runs[name].map((r) => r.wall),
    cpuRounds: runs[name].map((r) => r.cpu),
  }]));
}
