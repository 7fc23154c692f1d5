import { Redis } from 'ioredis';
import { benchIntake } from './intake.ts';
const mon = new Redis('redis://127.0.0.1:6379');
const counts = new Map<string, number>();
const m = await mon.monitor();
m.on('monitor', (_t: string, args: string[], source: string) => {
  let k = String(args[0]).toLowerCase();
  if (k === 'evalsha' || k === 'eval') k += ' ' + String(args[1]).slice(0, 8) + ' keys=' + args[2] + ' ' + String(args[3] ?? '').replace(/bench-intake-[^:]*/, 'P');
  if (k.startsWith('evalsha')) k = k.slice(0, 80);
  if (source === 'lua') k = '  (lua) ' + k; counts.set(k, (counts.get(k) ?? 0) + 1);
});
const n = 2000;
await benchIntake({ n, latency: false });
await new Promise((r) => setTimeout(r, 500));
const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
let total = 0;
for (const [k, c] of rows) { total += c; if (c >= n / 20) console.log((c / n).toFixed(2), k); }
console.log('total per msg', (total / n).toFixed(2));
process.exit(0);
