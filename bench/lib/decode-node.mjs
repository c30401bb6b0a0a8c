// jwt-decode in Node: ns per decode of the token given as argv[2]; prints one JSON line.
import { jwtDecode } from 'jwt-decode';

const [token, perRound = '20000', rounds = '7'] = process.argv.slice(2);
const n = Number(perRound);
const loop = () => {
  let sum = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) sum += jwtDecode(token).exp;
  const ns = ((performance.now() - start) * 1e6) / n;
  if (!(sum > 0)) throw new Error('jwt-decode read no exp');
  return ns;
};
loop();
const runs = Array.from({ length: Number(rounds) }, loop);
console.log(JSON.stringify({ nsPerOp: [...runs].sort((a, b) => a - b)[runs.length >> 1], rounds: runs, perRound: n, node: process.version }));
