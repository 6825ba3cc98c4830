/**
 * `npm run bench -- --acl`: the cost of ACL checks. Server CPU per request (and throughput,
 * latency) of redis-benchmark's SET and GET, first as the default user (allowed everything:
 * the dispatcher skips the check), then logged in as a restricted user (`-@all +get +set
 * ~key:*`: a command bit and a key pattern checked on every request), in both servers.
 */
import { oneCommand, ReplyError } from './resp.js';
import { fmtInt, machineLine } from './report.js';
import { commandLine, type Options } from './options.js';
import { compareServers, standardModes, throughputTable } from './throughput.js';
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
  const tests = TESTS.map((t) => ({
    label: t.label,
    test: t.test,
    custom: t.login ? [...t.login, '-t', t.test] : undefined,
  }));
  const { modes, rows: all } = await compareServers(o, standardModes(o), tests, async (s) => {
    const r = await oneCommand(s.port, ...USER);
    if (r instanceof ReplyError) throw new Error(`${s.label}: ${r.message}`);
  });
  const parts = [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-r ${keyspace}\`, ${fmtInt(o.requests)} requests per test; ` +
      `the restricted user is \`${USER.slice(3).join(' ')}\`.`,
  ];
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(all[i]));
  return parts.join('\n\n');
}
