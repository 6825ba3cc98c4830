/**
 * Redis's script sandbox on a LuaVM: reading an undefined global raises Redis's error, and
 * the globals table and every library table reachable from it become readonly (Redis 7.0's
 * luaSetErrorMetatable + luaSetTableProtectionRecursively).
 */
import { LuaError, LuaTable, type LuaValue } from './value.js';
import type { LuaVM } from './vm.js';

export function protectGlobals(vm: LuaVM): void {
  const mt = new LuaTable();
  mt.set('__index', (_t: LuaValue, k: LuaValue) => {
    throw new LuaError(
      `Script attempted to access nonexistent global variable '${typeof k === 'string' ? k : '?'}'`,
    );
  });
  vm.G.metatable = mt;
  makeReadonly(vm.G, new Set());
  if (vm.R.stringMeta) makeReadonly(vm.R.stringMeta, new Set());
}

function makeReadonly(t: LuaTable, seen: Set<LuaTable>): void {
  if (seen.has(t)) return;
  seen.add(t);
  t.readonly = true;
  if (t.metatable) makeReadonly(t.metatable, seen);
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0]))
    if (e[1] instanceof LuaTable) makeReadonly(e[1], seen);
}

/** Sets a global even when the globals table is readonly (KEYS/ARGV per call). */
export function setGlobalForce(vm: LuaVM, name: string, v: LuaValue): void {
  const g = vm.G;
  const ro = g.readonly;
  g.readonly = false;
  try {
    g.set(name, v);
  } finally {
    g.readonly = ro;
  }
}
