import { execFileSync } from 'node:child_process';
import { benchIncidentList } from './incident-list.ts';
import { appConnection, benchIntake, type CpuPerItem, rawNoopJobsPerSec, rawTwoHopPerSec } from './intake.ts';

/**
 * `npm run bench`: measures crisis-cell against raw BullMQ on the same Redis in the
 * same run, and prints the figures; the last line is one JSON object holding them all.
 */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const results: Record<string, Record<string, number>> = {};
  const only = process.argv[2];

  if (!only || only === 'intake') {
    // Warm both up (JIT, connections), then alternate rounds: this machine is shared and
    // noisy, so the figures are medians of rounds taken side by side.
    await rawNoopJobsPerSec(2_000);
    await benchIntake({ n: 1_000, latency: false });
    const base: number[] = [];
    // Raw BullMQ again, on the app's own connections (one socket write per turn of the event loop):
    // how much of intake's figure that gain alone gives (README, Performance).
    const baseAppConnections: number[] = [];
    const sustained: number[] = [];
    // CPU per item (µs) of each round: raw job, two-hop message, intake message (one process).
    const cpu: { raw: CpuPerItem[]; twoHop: CpuPerItem[]; intake: CpuPerItem[] } = { raw: [], twoHop: [], intake: [] };
    // The production shape (README): ROLE=worker here, ROLE=gateway in a second process.
    const split: number[] = [];
    const twoHop: number[] = [];
    for (let round = 0; round < 3; round++) {
      const raw = await rawNoopJobsPerSec(10_000);
      base.push(raw.rate);
      cpu.raw.push(raw.cpu);
      baseAppConnections.push((await rawNoopJobsPerSec(10_000, appConnection)).rate);
      const hop2 = await rawTwoHopPerSec(5_000);
      twoHop.push(hop2.rate);
      cpu.twoHop.push(hop2.cpu);
      const intake = await benchIntake({ n: 5_000, latency: false });
      sustained.push(intake.msgsPerSec);
      cpu.intake.push(intake.cpu);
      split.push((await benchIntake({ n: 5_000, latency: false, split: true })).msgsPerSec);
    }
    // Latency at a fixed offered load: its tail moves most from run to run, so three runs of
    // each shape, alternated, and their medians.
    type Run = Awaited<ReturnType<typeof benchIntake>>;
    const oneProcess: Run[] = [];
    const twoProcesses: Run[] = [];
    const medians = (runs: Run[]) => ({ p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: median(runs.map((r) => r.p99Ms)) });
    for (let round = 0; round < 3; round++) {
      oneProcess.push(await benchIntake({ n: 1_000, fixedRate: 1_000, fixedSeconds: 5 }));
      twoProcesses.push(await benchIntake({ n: 1_000, fixedRate: 1_000, fixedSeconds: 5, split: true }));
    }
    const latency = { ...(oneProcess[0] as Run), ...medians(oneProcess) };
    const cpuOf = (xs: CpuPerItem[]) => ({ nodeUs: median(xs.map((c) => c.nodeUs)), redisUs: median(xs.map((c) => c.redisUs)) });
    const cpuRaw = cpuOf(cpu.raw);
    const cpuTwoHop = cpuOf(cpu.twoHop);
    const cpuIntake = cpuOf(cpu.intake);
    const baselineJobsPerSec = median(base);
    const msgsPerSec = median(sustained);
    const ratio = msgsPerSec / baselineJobsPerSec;
    const baselineAppConnectionsJobsPerSec = median(baseAppConnections);
    const twoHopPerSec = median(twoHop);
    results.intake = {
      msgsPerSec,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      fixedRate: latency.fixedRate,
      baselineJobsPerSec,
      ratio,
      baselineAppConnectionsJobsPerSec,
      ratioToAppConnections: msgsPerSec / baselineAppConnectionsJobsPerSec,
      twoHopFloorPerSec: twoHopPerSec,
      twoHopFloorRatio: twoHopPerSec / baselineJobsPerSec,
      ofTwoHopFloor: msgsPerSec / twoHopPerSec,
      queueHops: latency.queueHops,
      nodeCpuUsPerMsg: cpuIntake.nodeUs,
      redisCpuUsPerMsg: cpuIntake.redisUs,
      twoHopNodeCpuUsPerMsg: cpuTwoHop.nodeUs,
      twoHopRedisCpuUsPerMsg: cpuTwoHop.redisUs,
      rawNodeCpuUsPerJob: cpuRaw.nodeUs,
      rawRedisCpuUsPerJob: cpuRaw.redisUs,
      cellGroupPosts: latency.cellGroupPosts,
      messages: latency.messages,
      // The fixed load as a share of the sustained rate: a fixed-load latency means something only below 1.
      fixedLoadOfSustained: latency.fixedRate / msgsPerSec,
    };
    console.log(
      `intake: ${msgsPerSec.toFixed(0)} msg/s sustained (rounds ${sustained.map((x) => x.toFixed(0)).join(', ')}), raw BullMQ no-op ${baselineJobsPerSec.toFixed(0)} jobs/s (rounds ${base.map((x) => x.toFixed(0)).join(', ')}), ratio ${ratio.toFixed(2)} (raw BullMQ on the app's own connections: ${baselineAppConnectionsJobsPerSec.toFixed(0)} jobs/s, ratio ${(msgsPerSec / baselineAppConnectionsJobsPerSec).toFixed(2)}); ` +
        `the two-hop floor (raw jobs hopping through two queues, no work) ${twoHopPerSec.toFixed(0)}/s = ${(twoHopPerSec / baselineJobsPerSec).toFixed(2)} of raw, of which intake reaches ${(msgsPerSec / twoHopPerSec).toFixed(2)}; ` +
        `CPU per message, Node + Redis: intake ${cpuIntake.nodeUs.toFixed(0)} + ${cpuIntake.redisUs.toFixed(0)} µs, two-hop floor ${cpuTwoHop.nodeUs.toFixed(0)} + ${cpuTwoHop.redisUs.toFixed(0)} µs, raw job ${cpuRaw.nodeUs.toFixed(0)} + ${cpuRaw.redisUs.toFixed(0)} µs; ` +
        `at ${latency.fixedRate} msg/s (${((100 * latency.fixedRate) / msgsPerSec).toFixed(0)}% of the sustained rate just measured: near or above 100% the queue grows and the p99 says nothing of the pipeline): p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms (p99 of the rounds ${oneProcess.map((r) => r.p99Ms).join(', ')}); ${latency.cellGroupPosts} cell-group posts for ${latency.messages + latency.fixedRate * 5} new incidents`,
    );
    const splitLatency = { fixedRate: latency.fixedRate, ...medians(twoProcesses) };
    const splitPerSec = median(split);
    results.intakeSplit = {
      msgsPerSec: splitPerSec,
      ratio: splitPerSec / baselineJobsPerSec,
      p50Ms: splitLatency.p50Ms,
      p99Ms: splitLatency.p99Ms,
    };
    console.log(
      `intake, worker and gateway in two processes: ${splitPerSec.toFixed(0)} msg/s (rounds ${split.map((x) => x.toFixed(0)).join(', ')}), ratio ${(splitPerSec / baselineJobsPerSec).toFixed(2)} to the same raw figure; ` +
        `at ${splitLatency.fixedRate} msg/s: p50 ${splitLatency.p50Ms.toFixed(1)} ms, p99 ${splitLatency.p99Ms.toFixed(1)} ms (p99 of the rounds ${twoProcesses.map((r) => r.p99Ms).join(', ')})`,
    );
  }
  if (only === 'scaled') {
    // Scaling out (README, Performance): the gateway in its own process and one or two worker
    // processes, alternated; not part of the default run (it says more on a machine with more cores).
    await benchIntake({ n: 1_000, latency: false });
    const shapes = { oneWorker: { split: true }, twoWorkers: { workers: 1 } } as const;
    const rates: Record<string, number[]> = { oneWorker: [], twoWorkers: [] };
    const p99s: Record<string, number[]> = { oneWorker: [], twoWorkers: [] };
    for (let round = 0; round < 3; round++)
      for (const [name, shape] of Object.entries(shapes)) {
        rates[name]?.push((await benchIntake({ n: 5_000, latency: false, ...shape })).msgsPerSec);
        p99s[name]?.push((await benchIntake({ n: 500, fixedRate: 1_000, fixedSeconds: 5, ...shape })).p99Ms);
      }
    for (const name of Object.keys(shapes)) {
      const r = rates[name] as number[];
      const p = p99s[name] as number[];
      results[`intakeScaled_${name}`] = { msgsPerSec: median(r), p99Ms: median(p) };
      console.log(
        `intake, gateway + ${name === 'oneWorker' ? 'one worker process' : 'two worker processes'}: ${median(r).toFixed(0)} msg/s (rounds ${r.map((x) => x.toFixed(0)).join(', ')}); at 1000 msg/s p99 ${median(p)} ms (rounds ${p.join(', ')})`,
      );
    }
  }
  if (!only || only === 'incidents') {
    const list = await benchIncidentList();
    results.incidentList = list;
    console.log(
      `incident lists: a page of 50 by status and severity among ${list.incidents} incidents: p50 ${list.listP50Ms.toFixed(1)} ms, p99 ${list.listP99Ms.toFixed(1)} ms`,
    );
  }
  if (!only || only === 'broadcast') {
    // In its own process, so its peak RSS is the broadcast's alone.
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/broadcast.ts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const b = JSON.parse(out.trim().split('\n').at(-1) ?? '{}').broadcast as Record<string, number>;
    results.broadcast = b;
    console.log(
      `broadcast: ${b.citizens} citizens; fan-out enqueued in ${b.fanOutSeconds?.toFixed(2)} s (${b.fanOutJobsPerSec} jobs/s, raw addBulk ${b.baselineJobsPerSec} jobs/s, ratio ${b.ratio?.toFixed(2)}); ` +
        `sends ${b.observedSendRatePerSec}/s at a limit of ${b.configuredRatePerSec}/s, at most ${b.maxSendsInAnySecond} in any sliding second; 100k welfare replies tallied in ${b.tallySeconds?.toFixed(2)} s (exact: ${b.tallyExact === 1}); peak RSS ${b.peakRssMb} MB (raw baseline's process: ${b.baselinePeakRssMb} MB)`,
    );
  }
  const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(v)]))));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
