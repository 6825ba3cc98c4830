/**
 * `npm run bench -- --geo`: server CPU per request of GEOADD and GEOSEARCH (radius and box,
 * with and without sorting), GEOPOS and GEODIST, Respite vs Redis in the same run. Requests
 * are random points and centres over a 2°×2° area (Sicily) holding `--geo-points` preloaded
 * members, sent pipelined (16 commands per write, up to 50 writes in flight) over one
 * connection; CPU is the server process's user+sys time over the run divided by requests.
 */
import net from 'node:net';
import { startServer, type ServerProc, type MachineInfo } from './proc.js';
import { encodeCommand, oneCommand, ReplyError } from './resp.js';
import { fmtInt, fmtNum, table, machineLine } from './report.js';
import { say, commandLine, naFromError, type Options } from './options.js';

/** Deterministic PRNG, so both servers get the same commands. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEY = 'bench:geo';
const lon = (r: () => number) => (13 + r() * 2).toFixed(6);
const lat = (r: () => number) => (37 + r() * 2).toFixed(6);

interface GeoTest {
  name: string;
  /** Fraction of the run's request count (searches returning hundreds of points are slow). */
  share?: number;
  /** The i-th command of the run. */
  cmd: (r: () => number, i: number) => string[];
}

const TESTS: GeoTest[] = [
  { name: 'GEOADD (new members)', cmd: (r, i) => ['GEOADD', 'bench:geoadd', lon(r), lat(r), `m:${i}`] },
  {
    name: 'GEOADD (existing key, 1 of 1,000)',
    cmd: (r) => ['GEOADD', KEY, lon(r), lat(r), `p:${Math.floor(r() * 1000)}`],
  },
  { name: 'GEOPOS 1 member', cmd: (r) => ['GEOPOS', KEY, `p:${Math.floor(r() * 1000)}`] },
  {
    name: 'GEODIST',
    cmd: (r) => ['GEODIST', KEY, `p:${Math.floor(r() * 1000)}`, `p:${Math.floor(r() * 1000)}`, 'km'],
  },
  {
    name: 'GEOSEARCH BYRADIUS 2 km',
    share: 0.1,
    cmd: (r) => ['GEOSEARCH', KEY, 'FROMLONLAT', lon(r), lat(r), 'BYRADIUS', '2', 'km'],
  },
  {
    name: 'GEOSEARCH BYRADIUS 5 km ASC WITHDIST',
    share: 0.1,
    cmd: (r) => ['GEOSEARCH', KEY, 'FROMLONLAT', lon(r), lat(r), 'BYRADIUS', '5', 'km', 'ASC', 'WITHDIST'],
  },
  {
    name: 'GEOSEARCH BYBOX 10×10 km COUNT 10',
    share: 0.1,
    cmd: (r) => ['GEOSEARCH', KEY, 'FROMLONLAT', lon(r), lat(r), 'BYBOX', '10', '10', 'km', 'COUNT', '10'],
  },
  {
    name: 'GEOSEARCH FROMMEMBER 3 km WITHCOORD',
    share: 0.1,
    cmd: (r) => [
      'GEOSEARCH',
      KEY,
      'FROMMEMBER',
      `p:${Math.floor(r() * 1000)}`,
      'BYRADIUS',
      '3',
      'km',
      'WITHCOORD',
    ],
  },
];

/** Offset after one complete RESP reply at pos, or -1 when the buffer ends first. */
function skipReply(b: Buffer, pos: number): number {
  if (pos >= b.length) return -1;
  const eol = b.indexOf(10, pos);
  if (eol === -1) return -1;
  const type = b[pos];
  if (type === 0x24) {
    // $len
    const len = Number(b.latin1Slice(pos + 1, eol - 1));
    if (len < 0) return eol + 1;
    const end = eol + 1 + len + 2;
    return end <= b.length ? end : -1;
  }
  if (type === 0x2a || type === 0x25 || type === 0x7e) {
    let n = Number(b.latin1Slice(pos + 1, eol - 1));
    if (type === 0x25) n *= 2;
    let p = eol + 1;
    for (let i = 0; i < n; i++) {
      p = skipReply(b, p);
      if (p === -1) return -1;
    }
    return p;
  }
  return eol + 1;
}

interface RunResult {
  seconds: number;
  errors: number;
  firstError: string | null;
}

/** Sends the commands pipelined (batches of 16, up to 50 in flight) and counts the replies. */
function runPipelined(port: number, cmds: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    const batch = 16;
    const window = 50;
    let sent = 0;
    let replies = 0;
    let errors = 0;
    let firstError: string | null = null;
    let pending: Buffer = Buffer.alloc(0);
    const pump = () => {
      while (sent < cmds.length && sent - replies < batch * window) {
        const end = Math.min(cmds.length, sent + batch);
        let s = '';
        for (let i = sent; i < end; i++) s += cmds[i];
        sent = end;
        socket.write(s, 'latin1');
      }
    };
    socket.on('connect', pump);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let p = 0;
      for (;;) {
        const q = skipReply(pending, p);
        if (q === -1) break;
        if (pending[p] === 0x2d) {
          errors++;
          if (firstError === null) firstError = pending.latin1Slice(p + 1, q - 2);
        }
        replies++;
        p = q;
      }
      pending = pending.subarray(p);
      if (replies >= cmds.length) {
        socket.destroy();
        resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, errors, firstError });
      } else pump();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (replies < cmds.length)
        reject(new Error(`connection closed after ${replies}/${cmds.length} replies`));
    });
  });
}

interface Cell {
  cpuUs?: number;
  rps?: number;
  na?: string;
}

async function preload(s: ServerProc, points: number): Promise<void> {
  const r = mulberry32(1);
  const cmds: string[] = [];
  for (let i = 0; i < points; i += 100) {
    const args = ['GEOADD', KEY];
    for (let j = i; j < Math.min(points, i + 100); j++)
      args.push(lon(r), lat(r), j < 1000 ? `p:${j}` : `q:${j}`);
    cmds.push(encodeCommand(args));
  }
  const res = await runPipelined(s.port, cmds);
  if (res.errors) throw new Error(`${s.label}: preload failed: ${res.firstError}`);
}

async function measureGeo(s: ServerProc, t: GeoTest, requests: number): Promise<Cell> {
  const r = mulberry32(42);
  const cmds = new Array<string>(requests);
  for (let i = 0; i < requests; i++) cmds[i] = encodeCommand(t.cmd(r, i));
  const c0 = s.cpuTimes();
  const res = await runPipelined(s.port, cmds);
  const c1 = s.cpuTimes();
  if (res.errors) return { na: naFromError(res.firstError ?? 'error') };
  const cpu = c1.user - c0.user + (c1.sys - c0.sys);
  return { cpuUs: (cpu * 1e6) / requests, rps: requests / res.seconds };
}

export async function geoMode(o: Options, m: MachineInfo): Promise<string> {
  const points = o.quick ? 20000 : o.geoPoints;
  const requests = o.quick ? 20000 : Math.min(o.requests, 200000);
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const rows: string[][] = [];
  try {
    say(
      `servers: Redis pid ${redis.pid} port ${redis.port}, Respite pid ${respite.pid} port ${respite.port}`,
    );
    const probe = await oneCommand(respite.port, 'GEOADD', 'bench:probe', '1', '1', 'x');
    const na = probe instanceof ReplyError ? naFromError(probe.message) : null;
    for (const s of [redis, respite]) if (s === redis || !na) await preload(s, points);
    // Warm-up, so V8 has optimised the geo paths before the measured runs.
    if (!na) for (const t of TESTS) await measureGeo(respite, t, Math.min(requests, 20000));
    let k = 0;
    for (const t of TESTS) {
      const cells = new Map<ServerProc, Cell[]>([
        [redis, []],
        [respite, []],
      ]);
      for (let rep = 0; rep < o.repeat; rep++, k++) {
        for (const s of k % 2 === 0 ? [redis, respite] : [respite, redis]) {
          const n = Math.max(1000, Math.round(requests * (t.share ?? 1)));
          const cell = s === respite && na ? { na } : await measureGeo(s, t, n);
          cells.get(s)!.push(cell);
          say(
            `  ${t.name.padEnd(38)} ${s.label.padEnd(8)} ` +
              (cell.na ?? `${fmtInt(cell.rps!).padStart(9)} req/s  CPU ${fmtNum(cell.cpuUs!, 2)} µs/req`),
          );
        }
      }
      const med = (cs: Cell[]): Cell => {
        const good = cs.filter((c) => c.cpuUs !== undefined).sort((a, b) => a.cpuUs! - b.cpuUs!);
        return good.length ? good[Math.floor((good.length - 1) / 2)] : cs[0];
      };
      const a = med(cells.get(redis)!);
      const b = med(cells.get(respite)!);
      const ratio = a.cpuUs && b.cpuUs !== undefined ? b.cpuUs / a.cpuUs : NaN;
      rows.push([
        t.name,
        a.cpuUs !== undefined ? fmtNum(a.cpuUs, 2) : (a.na ?? 'n/a'),
        b.cpuUs !== undefined ? fmtNum(b.cpuUs, 2) : (b.na ?? 'n/a'),
        Number.isFinite(ratio) ? `**${ratio.toFixed(2)}×**${ratio <= 2 ? '' : ' (> 2×)'}` : 'n/a',
        a.rps ? fmtInt(a.rps) : 'n/a',
        b.rps ? fmtInt(b.rps) : 'n/a',
      ]);
    }
  } finally {
    await respite.stop();
    await redis.stop();
  }
  const parts: string[] = [];
  parts.push(machineLine(m));
  parts.push(
    `Command: \`${commandLine(o)}\` — ${fmtInt(requests)} requests per test (a tenth of that for the ` +
      `GEOSEARCH tests) over one connection ` +
      `(16 commands per write, up to 50 writes in flight), random points and centres in a 2°×2° ` +
      `area holding ${fmtInt(points)} preloaded members; ${o.repeat > 1 ? `median of ${o.repeat} runs, ` : ''}` +
      `servers alternating per test. CPU = server user+sys time / requests.`,
  );
  parts.push(
    table(
      ['test', 'Redis CPU µs/req', 'Respite CPU µs/req', 'Respite / Redis', 'Redis req/s', 'Respite req/s'],
      rows,
    ),
  );
  return parts.join('\n\n');
}
