import { benchIntake } from './intake.ts';
const r = await benchIntake({ n: 15000, latency: false });
console.log(process.env.COALESCE, Math.round(r.msgsPerSec), Math.round(r.cpu.nodeUs), Math.round(r.cpu.redisUs));
process.exit(0);
