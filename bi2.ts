import { benchIntake, rawNoopJobsPerSec } from './bench/intake.ts';
for (let i = 0; i < 2; i++) {
  const base = await rawNoopJobsPerSec(10000);
  const bare = await benchIntake({ n: 5000, fixedRate: 100, fixedSeconds: 1, bare: true });
  const full = await benchIntake({ n: 5000, fixedRate: 100, fixedSeconds: 1 });
  console.log('base', base.toFixed(0), 'bare', bare.msgsPerSec.toFixed(0), (bare.msgsPerSec / base).toFixed(2), 'full', full.msgsPerSec.toFixed(0), (full.msgsPerSec / base).toFixed(2));
}
process.exit(0);
