import { benchIntake } from './bench/intake.ts';
const r = await benchIntake({ n: 8000, fixedRate: 100, fixedSeconds: 1, bare: process.argv[2] === 'bare' });
console.log(r.msgsPerSec);
process.exit(0);
