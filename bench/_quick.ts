import { benchIntake, rawNoopJobsPerSec, rawTwoHopPerSec } from './intake.ts';
const n = Number(process.env.N ?? 15000);
const raw = await rawNoopJobsPerSec(n);
const two = await rawTwoHopPerSec(n);
const r = await benchIntake({ n, latency: process.env.LAT === '1' });
console.log(JSON.stringify({ raw: Math.round(raw.rate), rawCpu: raw.cpu, two: Math.round(two.rate), twoCpu: two.cpu, intake: Math.round(r.msgsPerSec), cpu: r.cpu, ratio: +(r.msgsPerSec / raw.rate).toFixed(3), p99: r.p99Ms }));
process.exit(0);
