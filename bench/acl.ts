/**
 * `npm run bench -- --acl`: the cost of ACL checks. Server CPU per request (and throughput,
 * latency) of redis-benchmark's SET and GET, first as the default user (allowed everything:
 * the dispatcher skips the check), then logged in as a restricted user (`-@all +get +set
 * ~key:*`: a command bit and a key pattern checked on every request), in both servers.
 */
import { startServer, type ServerProc } from './proc.js';
import { oneCommand, ReplyError } from './resp.js';
import { fmtInt, fmtNum, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';
import { runRedisBenchmark } from './redis-benchmark.js';
import {
  measure,
  combine,
  cpuCell,
  throughputTable,
  type BenchMode,
  type Row,
  type Side,
} from './throughput.js';
import type { MachineInfo } from './proc.js';

const USER = [
  'ACL',
  'SETUSER',
  'bench',
  'on',
  '>benchpw',
  '-@all',
  '+get',
  '+set',
  '+config|get',
  '+ping',
  '~key:*',
];

interface AclTest {
  label: string;
  test: string;
  /** redis-benchmark options that log in as the restricted user. */
  login?: string[];
}

const TESTS: AclTest[] = [
  { label: 'set, default user', test: 'set' },
  { label: 'get, default user', test: 'get' },
  { label: 'set, restricted user', test: 'set', login: ['--user', 'bench', '-a', 'benchpw'] },
  { label: 'get, restricted user', test: 'get', login: ['--user', 'bench', '-a', 'benchpw'] },
];

export async function aclMode(o: Options, m: MachineInfo): Promise<string> {
  const keyspace = 100000;
  const modes: BenchMode[] = [
    { label: '-c 50 -P 1', clients: 50, pipeline: 1, requests: o.requests },
    { label: '-c 50 -P 16', clients: 50, pipeline: 16, requests: o.requests },
  ];
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const all: Row[][] = [];
  try {
    say(
      `servers: Redis pid ${redis.pid} port ${redis.port}, Respite pid ${respite.pid} port ${respite.port}`,
    );
    for (const s of [redis, respite]) {
      const r = await oneCommand(s.port, ...USER);
      if (r instanceof ReplyError) throw new Error(`${s.label}: ${r.message}`);
      const args = ['-p', String(s.port), '-t', 'set,get', '-c', '50', '-n', '100000', '-P', '16'];
      await runRedisBenchmark([...args, '-r', String(keyspace)]);
    }
    let k = 0;
    for (const mode of modes) {
      const rows: Row[] = [];
      for (const t of TESTS) {
        const runs = new Map<ServerProc, Side[]>([
          [redis, []],
          [respite, []],
        ]);
        for (let rep = 0; rep < o.repeat; rep++, k++) {
          const order = k % 2 === 0 ? [redis, respite] : [respite, redis];
          for (const s of order) {
            const custom = t.login ? [...t.login, '-t', t.test] : undefined;
            const side = await measure(s, t.test, mode, keyspace, custom);
            runs.get(s)!.push(side);
            const st = side.stats;
            say(
              `  ${mode.label.padEnd(12)} ${t.label.padEnd(22)} ${s.label.padEnd(8)} ` +
                (st
                  ? `${fmtInt(st.rps).padStart(9)} req/s  p50 ${fmtNum(st.p50, 3)} ms  CPU ${cpuCell(side)} µs/req`
                  : side.na),
            );
          }
        }
        rows.push({ test: t.label, redis: combine(runs.get(redis)!), respite: combine(runs.get(respite)!) });
      }
      all.push(rows);
    }
  } finally {
    await respite.stop();
    await redis.stop();
  }
  const parts = [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-r ${keyspace}\`, ${fmtInt(o.requests)} requests per test; ` +
      `the restricted user is \`${USER.slice(3).join(' ')}\`.`,
  ];
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(all[i]));
  return parts.join('\n\n');
}
