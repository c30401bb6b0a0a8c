// jwt-decode in Node: ns per decode of the token given as argv[2]; prints one JSON line with the
// median wall time and the median CPU time of the process (process.cpuUsage: user + system).
import { jwtDecode } from 'jwt-decode';

const [token, perRound = '20000', rounds = '7'] = process.argv.slice(2);
const n = Number(perRound);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const loop = () => {
  let sum = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) sum += jwtDecode(token).exp;
  const wall = ((performance.now() - start) * 1e6) / n;
  const used = process.cpuUsage(cpu);
  if (!(sum > 0)) throw new Error('jwt-decode read no exp');
  return { wall, cpu: ((used.user + used.system) * 1e3) / n };
};
loop();
const runs = Array.from({ length: Number(rounds) }, loop);
console.log(JSON.stringify({
  nsPerOp: median(runs.map((r) => r.wall)),
  cpuNsPerOp: median(runs.map((r) => r.cpu)),
  rounds: runs.map((r) => r.wall),
  cpuRounds: runs.map((r) => r.cpu),
  perRound: n,
  node: process.version,
}));
