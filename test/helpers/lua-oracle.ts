/**
 * Differential testing of the Lua engine: the same chunk runs in Respite's LuaVM (with the
 * libraries and Redis's sandbox) and in the oracle's Lua 5.1 via EVAL; both outcomes are
 * rendered as RESP2 (a simplified Lua→RESP conversion: enough for strings, numbers,
 * booleans, flat arrays and error messages) and compared.
 */
import { LuaVM, LuaError, LuaTable, openLibs, rawToString, type LuaValue } from '../../src/lua/index.js';
import { protectGlobals } from '../../src/lua/sandbox.js';
import { RawClient } from './raw-client.js';

export function sandboxVM(): LuaVM {
  const vm = new LuaVM();
  openLibs(vm);
  protectGlobals(vm);
  return vm;
}

function toResp(v: LuaValue): string {
  if (typeof v === 'string') return `$${v.length}\r\n${v}\r\n`;
  if (typeof v === 'number') {
    // (long long) cast on x86-64: out of range and NaN give INT64_MIN
    if (!(v >= -9223372036854775808 && v < 2 ** 63)) return ':-9223372036854775808\r\n';
    return `:${BigInt(Math.trunc(v))}\r\n`;
  }
  if (v === true) return ':1\r\n';
  if (v === undefined || v === false) return '$-1\r\n';
  if (v instanceof LuaTable) {
    const err = v.get('err');
    if (typeof err === 'string') return `-${err}\r\n`;
    const ok = v.get('ok');
    if (typeof ok === 'string') return `+${ok}\r\n`;
    const items: string[] = [];
    for (let i = 1; ; i++) {
      const x = v.get(i);
      if (x === undefined) break;
      items.push(toResp(x));
    }
    return `*${items.length}\r\n${items.join('')}`;
  }
  return '$-1\r\n';
}

/** Runs a chunk in a fresh sandboxed VM; returns the RESP-ish outcome. */
export function runMine(src: string, vm: LuaVM = sandboxVM()): string {
  let f;
  try {
    f = vm.load(src, 'user_script');
  } catch (e) {
    if (e instanceof LuaError) return `-ERR Error compiling script (new function): ${String(e.value)}\r\n`;
    throw e;
  }
  try {
    const r = vm.call(f, []);
    return toResp(r[0]);
  } catch (e) {
    if (e instanceof LuaError)
      return `-ERR ${typeof e.value === 'string' ? e.value : rawToString(e.value)}\r\n`;
    throw e;
  }
}

/** Normalises the oracle's reply: drops Redis's " script: <sha>, on @user_script:N." tail. */
function normalizeOracle(r: string): string {
  return r.replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.\r\n$/, '\r\n');
}

export async function runOracle(c: RawClient, srcs: string[]): Promise<string[]> {
  for (const s of srcs) c.send('EVAL', s, '0');
  const out: string[] = [];
  for (let i = 0; i < srcs.length; i++) out.push(normalizeOracle(await c.read()));
  return out;
}

/** Compares every chunk; returns a readable list of mismatches. */
export async function diffCorpus(c: RawClient, srcs: string[], prefix = ''): Promise<string[]> {
  srcs = srcs.map((s) => prefix + s);
  const theirs = await runOracle(c, srcs);
  const bad: string[] = [];
  for (let i = 0; i < srcs.length; i++) {
    const mine = runMine(srcs[i]);
    if (mine !== theirs[i])
      bad.push(`${srcs[i]}\n   oracle: ${JSON.stringify(theirs[i])}\n   mine:   ${JSON.stringify(mine)}`);
  }
  return bad;
}

/** Prefix for chunks that print binary strings: `hex(s)`. */
export const HEX_PREFIX =
  "local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end ";
