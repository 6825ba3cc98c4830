/**
 * Memory per key: the same keys loaded into each server by a pipelined writer, RSS (and INFO
 * used_memory where the server has it) measured before and after.
 */
import { startServer, sleep, type ServerProc } from './proc.js';
import { oneCommand, info, loadKeys } from './resp.js';
import { fmtInt, fmtNum, fmtRatio, fmtMB, table } from './report.js';
import { say, naFromError, type Options } from './options.js';

export interface MemSide {
  emptyRss: number;
  loadedRss: number;
  emptyUsed: number;
  loadedUsed: number;
  usedNa?: string;
  loadSeconds: number;
  keys: number;
  verified: string;
}

export async function usedMemory(s: ServerProc): Promise<number | string> {
  const m = await info(s.port, 'memory');
  if (typeof m === 'string') return naFromError(m);
  const v = Number(m.get('used_memory'));
  return Number.isFinite(v) ? v : 'n/a (no used_memory field)';
}

/** Checks that the keys are all there: DBSIZE when the server has it, else first/last key. */
export async function verifyKeys(
  s: ServerProc,
  n: number,
  key: (i: number) => string,
  value: (i: number) => string,
): Promise<string> {
  const d = await oneCommand(s.port, 'DBSIZE');
  if (typeof d === 'number') {
    if (d < n) throw new Error(`${s.label}: DBSIZE ${d} after loading ${n} keys`);
    return `DBSIZE ${d}`;
  }
  for (const i of [0, n >> 1, n - 1]) {
    const v = await oneCommand(s.port, 'GET', key(i));
    if (v !== value(i)) throw new Error(`${s.label}: GET ${key(i)} returned ${String(v)}`);
  }
  return 'GET spot checks';
}

export const keyN = (i: number) => `key:${i}`;
/** 10 bytes, not an integer (Redis would store an integer-looking value as an int). */
export const value10 = (i: number) => 'v' + String(i % 1000000000).padStart(9, '0');

export async function memoryOf(s: ServerProc, n: number, key: (i: number) => string): Promise<MemSide> {
  await sleep(300);
  const emptyRss = s.rssBytes();
  const u0 = await usedMemory(s);
  const load = await loadKeys(s.port, n, key, value10);
  if (load.errors > 0)
    throw new Error(`${s.label}: ${load.errors} errors while loading, first: ${load.firstError}`);
  const verified = await verifyKeys(s, n, key, value10);
  await sleep(1000);
  const loadedRss = s.rssBytes();
  const u1 = await usedMemory(s);
  const usedNa = typeof u0 === 'string' ? u0 : typeof u1 === 'string' ? u1 : undefined;
  return {
    emptyRss,
    loadedRss,
    emptyUsed: typeof u0 === 'number' ? u0 : NaN,
    loadedUsed: typeof u1 === 'number' ? u1 : NaN,
    usedNa,
    loadSeconds: load.seconds,
    keys: n,
    verified,
  };
}

export async function memoryPhase(o: Options): Promise<{ redis: MemSide; respite: MemSide }> {
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  try {
    say(`memory: loading ${fmtInt(o.keys)} keys into each server`);
    const r = await memoryOf(redis, o.keys, keyN);
    say(
      `  Redis   RSS/key ${fmtNum((r.loadedRss - r.emptyRss) / o.keys, 1)} B, load ${fmtNum(r.loadSeconds)} s`,
    );
    const p = await memoryOf(respite, o.keys, keyN);
    say(
      `  Respite RSS/key ${fmtNum((p.loadedRss - p.emptyRss) / o.keys, 1)} B, load ${fmtNum(p.loadSeconds)} s`,
    );
    return { redis: r, respite: p };
  } finally {
    await respite.stop();
    await redis.stop();
  }
}

export function memoryTable(m: { redis: MemSide; respite: MemSide }): string {
  const { redis: a, respite: b } = m;
  const n = a.keys;
  const rssA = (a.loadedRss - a.emptyRss) / n;
  const rssB = (b.loadedRss - b.emptyRss) / n;
  const usedA = (a.loadedUsed - a.emptyUsed) / n;
  const usedB = (b.loadedUsed - b.emptyUsed) / n;
  const rows = [
    ['keys loaded (pipelined SET, one connection)', fmtInt(a.keys), fmtInt(b.keys), ''],
    [
      'load time',
      `${fmtNum(a.loadSeconds)} s (${fmtInt(n / a.loadSeconds)} keys/s)`,
      `${fmtNum(b.loadSeconds)} s (${fmtInt(n / b.loadSeconds)} keys/s)`,
      fmtRatio(b.loadSeconds, a.loadSeconds),
    ],
    ['RSS empty', fmtMB(a.emptyRss), fmtMB(b.emptyRss), fmtRatio(b.emptyRss, a.emptyRss)],
    ['RSS loaded', fmtMB(a.loadedRss), fmtMB(b.loadedRss), fmtRatio(b.loadedRss, a.loadedRss)],
    [
      '**RSS per key** (loaded − empty)',
      `${fmtNum(rssA, 1)} B`,
      `${fmtNum(rssB, 1)} B`,
      `**${fmtRatio(rssB, rssA)}**`,
    ],
    [
      'INFO used_memory per key',
      a.usedNa ?? `${fmtNum(usedA, 1)} B`,
      b.usedNa ?? `${fmtNum(usedB, 1)} B`,
      a.usedNa || b.usedNa ? 'n/a' : fmtRatio(usedB, usedA),
    ],
    ['check', a.verified, b.verified, ''],
  ];
  return table(['', 'Redis', 'Respite', 'Respite/Redis'], rows);
}
