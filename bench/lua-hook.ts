/**
 * Part of `--lua`: what the busy-script instruction hook (src/scripting/busy.ts) costs per
 * script call. EVALSHA of `return redis.call('INCR', KEYS[1])` runs in-process through the
 * dispatcher (no network), in rounds that alternate three set-ups in the same run:
 * - the VM's persistent hook (what Respite runs),
 * - no hook at all (the baseline),
 * - the previous pattern: a hook closure installed and removed around every call.
 */
import { startServer } from '../src/index.js';
import { Client } from '../src/server/client.js';
import { processCommand } from '../src/server/dispatcher.js';
import { scriptEngine } from '../src/scripting/engine.js';
import { fmtNum } from './report.js';
import { say, type Options } from './options.js';

export async function hookRows(o: Options): Promise<string[][]> {
  const s = await startServer({ port: 0 });
  try {
    const server = s.server;
    const c = new Client(server, 1, null, server.dbs[0], Date.now());
    const engine = scriptEngine(server);
    const vm = engine.vm;
    const sha = engine.createFunction("return redis.call('INCR', KEYS[1])").sha;
    const argv = ['EVALSHA', sha, '1', 'counter'];
    const H = vm.H;
    const persistent = { n: H.n, h: H.h };
    const calls = o.quick ? 20000 : 200000;
    const run = (mode: 0 | 1 | 2): number => {
      if (mode === 0) {
        H.n = persistent.n;
        H.h = persistent.h;
      } else vm.setHook(0, null);
      const t = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) {
        if (mode === 2) vm.setHook(100000, () => {});
        processCommand(server, c, argv);
        if (mode === 2) vm.setHook(0, null);
        c.out.pos = 0;
      }
      return Number(process.hrtime.bigint() - t) / 1000 / calls;
    };
    const best = [Infinity, Infinity, Infinity];
    // The best of several rounds, each in a rotated order (GC and JIT effects of the order).
    for (let round = 0; round < (o.quick ? 3 : 9); round++)
      for (let k = 0; k < 3; k++) {
        const mode = ((round + k) % 3) as 0 | 1 | 2;
        best[mode] = Math.min(best[mode], run(mode));
      }
    H.n = persistent.n;
    H.h = persistent.h;
    const rows: string[][] = [
      ['EVALSHA in-process, persistent hook (Respite)', fmtNum(best[0], 3)],
      ['EVALSHA in-process, no hook (baseline)', fmtNum(best[1], 3)],
      ['EVALSHA in-process, hook set and removed per call (before)', fmtNum(best[2], 3)],
    ];
    for (const r of rows) say(`${r[0]}: ${r[1]} µs`);
    return rows;
  } finally {
    await s.close();
  }
}
