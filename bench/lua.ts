/**
 * `npm run bench -- --lua`: the cost of Respite's Lua engine (src/lua/) in-process — compiling
 * a small script, calling compiled functions (vs an empty JS call), the instruction hook's
 * overhead — and a pure-Lua loop timed against the oracle's EVALSHA of the same script
 * (minus a PING round trip), when redis-server is installed.
 */
import { LuaVM, LuaTable, openLibs, type LuaValue } from '../src/lua/index.js';
import { protectGlobals, setGlobalForce } from '../src/lua/sandbox.js';
import { startServer } from './proc.js';
import { RespConn } from './resp.js';
import { fmtNum, table, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';
import type { MachineInfo } from './proc.js';
import { hookRows } from './lua-hook.js';

function perCall(n: number, f: () => unknown): number {
  for (let i = 0; i < Math.min(n, 20000); i++) f(); // warm up (JIT)
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t) / 1000 / n; // µs
}

function makeVM(): LuaVM {
  const vm = new LuaVM();
  openLibs(vm);
  // a stand-in for redis.call: a host function doing a Map increment
  const store = new Map<string, number>();
  const redis = new LuaTable();
  redis.set('call', (...a: LuaValue[]) => {
    const k = String(a[1]);
    const v = (store.get(k) ?? 0) + 1;
    store.set(k, v);
    return [v];
  });
  vm.setGlobal('redis', redis);
  protectGlobals(vm);
  setGlobalForce(vm, 'KEYS', new LuaTable(['counter']));
  return vm;
}

const LOOP = 'local s = 0 for i = 1, 1000000 do s = s + i % 7 end return s';

export async function luaMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.quick ? 50000 : 1000000;
  const vm = makeVM();
  const rows: string[][] = [];
  const add = (what: string, us: number) => {
    rows.push([what, fmtNum(us, 3)]);
    say(`${what}: ${fmtNum(us, 3)} µs`);
  };

  let i = 0;
  add(
    "compile `return redis.call('INCR', KEYS[1])` (parse + JS codegen + new Function)",
    perCall(o.quick ? 500 : 5000, () =>
      vm.load(`return redis.call('INCR', KEYS[1]) -- ${i++}`, 'user_script'),
    ),
  );
  const add11 = vm.load('return 1 + 1', 'user_script');
  add(
    'call `return 1 + 1`',
    perCall(n, () => vm.call(add11)),
  );
  const empty = () => [] as LuaValue[];
  add(
    'vm.call of an empty JS function (baseline)',
    perCall(n, () => vm.call(empty)),
  );
  const incr = vm.load("return redis.call('INCR', KEYS[1])", 'user_script');
  add(
    "call `return redis.call('INCR', KEYS[1])` (stub host function)",
    perCall(n, () => vm.call(incr)),
  );
  const small = vm.load(
    "local t = {} for i = 1, 10 do t[#t + 1] = tostring(i) end return table.concat(t, ',')",
    'user_script',
  );
  add(
    'call a 10-iteration table/tostring/concat script',
    perCall(n / 10, () => vm.call(small)),
  );
  const loop = vm.load(LOOP, 'user_script');
  const loopUs = perCall(o.quick ? 3 : 10, () => vm.call(loop));
  add('1,000,000-iteration arithmetic loop, no hook', loopUs);
  vm.setHook(100000, () => {});
  const hooked = perCall(o.quick ? 3 : 10, () => vm.call(loop));
  add('same loop with the hook every 100,000 checks', hooked);
  vm.setHook(0, null);
  rows.push(...(await hookRows(o)));

  let oracleLine = '';
  const redis = await startServer('redis').catch(() => null);
  if (redis) {
    try {
      const c = await RespConn.connect(redis.port);
      const sha = String(await c.command('SCRIPT', 'LOAD', LOOP));
      const reps = o.quick ? 3 : 10;
      await c.command('EVALSHA', sha, '0');
      let t = process.hrtime.bigint();
      for (let k = 0; k < reps; k++) await c.command('EVALSHA', sha, '0');
      const evalUs = Number(process.hrtime.bigint() - t) / 1000 / reps;
      t = process.hrtime.bigint();
      for (let k = 0; k < 100; k++) await c.command('PING');
      const pingUs = Number(process.hrtime.bigint() - t) / 1000 / 100;
      c.close();
      const oracleUs = evalUs - pingUs;
      add('oracle: EVALSHA of the same loop minus a PING round trip', oracleUs);
      oracleLine = `\n\nThe 1,000,000-iteration loop runs in ${fmtNum(loopUs / 1000, 1)} ms in Respite's engine vs ${fmtNum(oracleUs / 1000, 1)} ms in Redis's Lua 5.1 interpreter (${fmtNum(loopUs / oracleUs, 2)}×).`;
    } finally {
      await redis.stop(1000);
    }
  }
  return (
    [
      '### Lua engine (in-process)',
      '',
      commandLine(o),
      '',
      machineLine(m),
      '',
      table(['What', 'µs per call'], rows),
    ].join('\n') + oracleLine
  );
}
