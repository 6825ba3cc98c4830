/**
 * `npm run bench -- --tls`: SET and GET over TLS (TLSv1.3, server certificate only, as most
 * deployments) against Redis's TLS port in the same run, as server CPU per request, with the
 * plain-TCP figures of the same servers beside them to show what TLS itself costs.
 * Certificates are made with `openssl` in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, type MachineInfo, type ServerProc } from './proc.js';
import { combine, measure, cpuCell, type BenchMode, type Side } from './throughput.js';
import { fmtInt, fmtNum, fmtRatio, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';

function makeCerts(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=bench-ca',
  ]);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
}

interface TlsRow {
  test: string;
  mode: string;
  transport: 'TLS' | 'TCP';
  redis: Side;
  respite: Side;
}

export async function tlsMode(o: Options, m: MachineInfo): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'respite-bench-tls-'));
  makeCerts(dir);
  const modes: BenchMode[] = [
    { label: '-c 50 -P 1', clients: 50, pipeline: 1, requests: o.requests },
    { label: '-c 50 -P 16', clients: 50, pipeline: 16, requests: o.requests },
  ];
  const servers: { s: ServerProc; tlsPort: number }[] = [];
  const rows: TlsRow[] = [];
  try {
    for (const kind of ['redis', 'respite'] as const) {
      const tlsPort = await freePort();
      const args = ['--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'server.crt')];
      args.push('--tls-key-file', join(dir, 'server.key'), '--tls-auth-clients', 'no');
      servers.push({ s: await startServer(kind, { args }), tlsPort });
    }
    const [redis, respite] = servers;
    const tlsArgs = (port: number) => ['-p', String(port), '--tls', '--cacert', join(dir, 'ca.crt')];
    // Warm-up for both (V8's optimiser for Respite, the TLS session machinery for both).
    for (const x of servers) {
      await measure(x.s, 'set', { ...modes[1], requests: 50000 }, 100000, undefined, tlsArgs(x.tlsPort));
    }
    let k = 0;
    for (const mode of modes) {
      for (const test of ['set', 'get']) {
        for (const transport of ['TLS', 'TCP'] as const) {
          const sides = new Map<ServerProc, Side[]>([
            [redis.s, []],
            [respite.s, []],
          ]);
          // --repeat N: N runs per server, the servers alternating, the median kept.
          for (let rep = 0; rep < o.repeat; rep++) {
            const order = k++ % 2 === 0 ? [redis, respite] : [respite, redis];
            for (const x of order) {
              const connect = transport === 'TLS' ? tlsArgs(x.tlsPort) : undefined;
              const side = await measure(x.s, test, mode, 100000, undefined, connect);
              sides.get(x.s)!.push(side);
              say(
                `  ${mode.label.padEnd(12)} ${transport} ${test.padEnd(4)} ${x.s.label.padEnd(8)} ` +
                  (side.stats
                    ? `${fmtInt(side.stats.rps).padStart(9)} req/s  CPU ${cpuCell(side)} µs/req`
                    : side.na),
              );
            }
          }
          rows.push({
            test,
            mode: mode.label,
            transport,
            redis: combine(sides.get(redis.s)!),
            respite: combine(sides.get(respite.s)!),
          });
        }
      }
    }
  } finally {
    for (const x of servers) await x.s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const body = rows.map((r) => [
    r.test.toUpperCase(),
    r.mode,
    r.transport,
    fmtInt(r.redis.stats?.rps ?? NaN),
    fmtInt(r.respite.stats?.rps ?? NaN),
    cpuCell(r.redis),
    cpuCell(r.respite),
    fmtRatio(r.respite.cpuUsPerReq, r.redis.cpuUsPerReq),
  ]);
  const targets = rows
    .filter((r) => r.transport === 'TLS')
    .map((r) => {
      const ratio = (r.respite.cpuUsPerReq ?? NaN) / (r.redis.cpuUsPerReq ?? NaN);
      return [
        `${r.test.toUpperCase()} over TLS, ${r.mode}`,
        '≤ 2×',
        Number.isFinite(ratio) ? `${fmtNum(ratio)}×` : 'n/a',
        Number.isFinite(ratio) ? (ratio <= 2 ? 'yes' : '**no**') : 'n/a',
      ];
    });
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — redis-benchmark \`--tls\` (TLSv1.3, no client certificate), \`-r 100000\`, ` +
      `${fmtInt(o.requests)} requests per test, ` +
      `${o.repeat > 1 ? `median of ${o.repeat} runs per test and server, ` : ''}servers alternating per test; ` +
      'the plain-TCP rows use the same servers.',
    '### Targets\n\n' + table(['target (Respite vs Redis)', 'goal', 'measured', 'met'], targets),
    '### Results\n\n' +
      table(
        [
          'test',
          'mode',
          'transport',
          'Redis req/s',
          'Respite req/s',
          'CPU µs/req Redis',
          'CPU µs/req Respite',
          '**CPU ratio**',
        ],
        body,
      ),
  ].join('\n\n');
}
