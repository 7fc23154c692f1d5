import { benchIntake } from './intake.ts';
const r = await benchIntake({ n: Number(process.env.N ?? 20000), latency: false });
console.log(JSON.stringify({ rate: r.msgsPerSec, cpu: r.cpu }));
process.exit(0);
