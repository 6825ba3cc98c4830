/**
 * `npm run bench -- --bullmq`: BullMQ (every queue operation a Lua script run with EVALSHA)
 * against Respite and against Redis in the same run. Per run: 4 workers with concurrency 16
 * are ready on a fresh queue, then N jobs are added with addBulk (batches of 500) and processed
 * (an empty processor); measured from the first add to the last completion: jobs/s and the
 * server's CPU (utime + stime of its process) per job. The target is ≤ 1.5× Redis's CPU per
 * job. With --bullmq-profile, Respite runs under `node --cpu-prof` and the report adds its
 * top functions.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startServer, ROOT, type MachineInfo, type ServerProc } from './proc.js';
import { summariseProfile } from './profile.js';
import { fmtInt, fmtNum, fmtRatio, table, machineLine } from './report.js';
import { say, commandLine, median, type Options } from './options.js';
import {
  addAndProcess,
  BATCH,
  CONCURRENCY,
  WORKERS,
  FLUSHALL,
  recordBullmq,
  replayCommands,
  replayPayload,
} from './bullmq-replay.js';

interface RunResult {
  jobsPerSec: number;
  cpuUsPerJob: number;
}

/** One measured run: jobs/s and server CPU per job, from the first add to the last completion. */
async function runJobs(s: ServerProc, n: number, prefix: string): Promise<RunResult> {
  let cpu0 = 0;
  let t0 = 0n;
  await addAndProcess(s, n, prefix, () => {
    cpu0 = s.cpuSeconds();
    t0 = process.hrtime.bigint();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = s.cpuSeconds() - cpu0;
  return { jobsPerSec: n / seconds, cpuUsPerJob: (cpu * 1e6) / n };
}

export async function bullmqMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.bullmqJobs;
  const profDir = o.bullmqProfile ? mkdtempSync(join(os.tmpdir(), 'respite-bullmq-prof-')) : '';
  const redis = await startServer('redis');
  const respite = await startServer(
    'respite',
    o.bullmqProfile
      ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '250'] }
      : {},
  );
  const res: Record<'redis' | 'respite', RunResult[]> = { redis: [], respite: [] };
  const replayed: Record<'redis' | 'respite', number[]> = { redis: [], respite: [] };
  let recorded = 0;
  try {
    // Warm-up (JIT, script cache), not measured.
    for (const s of [redis, respite]) await runJobs(s, Math.min(n, 3000), 'warm');
    for (let rep = 0; rep < o.repeat; rep++) {
      for (const s of rep % 2 === 0 ? [redis, respite] : [respite, redis]) {
        say(`${s.label}: ${fmtInt(n)} jobs, ${WORKERS} workers × concurrency ${CONCURRENCY}`);
        const r = await runJobs(s, n, `run${rep}`);
        say(`  ${fmtInt(r.jobsPerSec)} jobs/s, server CPU ${fmtNum(r.cpuUsPerJob)} µs/job`);
        res[s.kind].push(r);
      }
    }
    // The same work replayed without the client's concurrency (bench/bullmq-replay.ts).
    say(`recording ${fmtInt(n)} jobs' commands on Redis (MONITOR)`);
    const payload = replayPayload(await recordBullmq(redis, n));
    recorded = payload.length;
    // Two warm-up replays each: JIT and script cache, and the garbage of the live runs' data
    // (freed by FLUSHALL, collected by V8 later) is no longer pending when measuring starts.
    for (const s of [redis, respite]) {
      for (let w = 0; w < 2; w++) {
        await replayCommands(s.port, FLUSHALL);
        await replayCommands(s.port, payload);
      }
    }
    for (let rep = 0; rep < Math.max(3, o.repeat); rep++) {
      for (const s of rep % 2 === 0 ? [redis, respite] : [respite, redis]) {
        await replayCommands(s.port, FLUSHALL);
        const cpu0 = s.cpuSeconds();
        const errors = await replayCommands(s.port, payload);
        const us = ((s.cpuSeconds() - cpu0) * 1e6) / n;
        say(`  replay on ${s.label}: ${fmtNum(us)} µs/job (${errors} error replies)`);
        replayed[s.kind].push(us);
      }
    }
  } finally {
    await redis.stop();
    await respite.stop(60000);
  }
  const jps = (k: 'redis' | 'respite') => median(res[k].map((r) => r.jobsPerSec));
  const cpu = (k: 'redis' | 'respite') => median(res[k].map((r) => r.cpuUsPerJob));
  const ratio = cpu('respite') / cpu('redis');
  const parts = [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — ${fmtInt(n)} jobs per run (addBulk of ${BATCH}, empty processor), ` +
      `${WORKERS} workers × concurrency ${CONCURRENCY} in the bench process, BullMQ defaults otherwise; ` +
      `${o.repeat > 1 ? `median of ${o.repeat} runs, ` : ''}servers alternating, after a warm-up run on each.` +
      (o.bullmqProfile ? ' Respite ran under `node --cpu-prof` (its figures include the profiler).' : ''),
    table(
      [
        'test',
        'Redis jobs/s',
        'Respite jobs/s',
        'Redis CPU µs/job',
        'Respite CPU µs/job',
        'CPU ratio (Respite/Redis)',
      ],
      [
        [
          'BullMQ add + process',
          fmtInt(jps('redis')),
          fmtInt(jps('respite')),
          fmtNum(cpu('redis')),
          fmtNum(cpu('respite')),
          fmtRatio(cpu('respite'), cpu('redis')),
        ],
      ],
    ),
    `Target: BullMQ server CPU per job ≤ 1.5× Redis's: measured ${fmtNum(ratio)}× — ${ratio <= 1.5 ? 'met' : '**not met**'}.`,
    `The same work replayed (bench/bullmq-replay.ts): the ${fmtInt(recorded)} commands the oracle received during one more run of ` +
      `${fmtInt(n)} jobs (MONITOR), sent again after a FLUSHALL on one connection with 64 in flight, ` +
      `median of ${Math.max(3, o.repeat)} alternating replays after two warm-up replays each — the servers' own cost for ` +
      `BullMQ's scripts, without the client sharing the machine's cores and caches:`,
    table(
      ['test', 'Redis CPU µs/job', 'Respite CPU µs/job', 'CPU ratio (Respite/Redis)'],
      [
        [
          'BullMQ commands replayed',
          fmtNum(median(replayed.redis)),
          fmtNum(median(replayed.respite)),
          fmtRatio(median(replayed.respite), median(replayed.redis)),
        ],
      ],
    ),
  ];
  if (o.bullmqProfile) {
    const files = readdirSync(profDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(profDir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    if (files.length) {
      const sum = summariseProfile(files[0], ROOT);
      say(`V8 profile: ${files[0]}`);
      const top = (key: 'selfMs' | 'totalMs') =>
        [...sum.fns]
          .sort((a, b) => b[key] - a[key])
          .slice(0, 25)
          .map((f) => [`\`${f.name}\``, `${fmtNum(f.selfPct, 1)}%`, `${fmtNum(f.totalPct, 1)}%`]);
      parts.push(
        `#### Respite profile (whole run, main thread ${fmtInt(sum.busyMs)} ms busy)\n\n` +
          table(['function', 'self', 'inclusive'], top('selfMs')) +
          '\n\n' +
          table(['function', 'self', 'inclusive'], top('totalMs')),
      );
    }
  }
  return parts.join('\n\n');
}
