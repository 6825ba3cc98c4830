/**
 * The RDB/AOF plug-in point of Redis Functions: the functions registry (scripting/
 * functions.ts) installs these hooks, so persistence writes and loads libraries without
 * importing the scripting engine.
 */
import type { Server } from '../server/server.js';
import { RDB_OPCODE_FUNCTION2, type RdbOut } from './rdb.js';

export interface FunctionsHooks {
  /** Every library's code (shebang included), in registry order. */
  codes(server: Server): string[];
  /** Registers a library read from a file; an error message, or null. */
  load(server: Server, code: string, replace: boolean): string | null;
  /** Removes every library (FLUSHALL does not; DEBUG RELOAD does, as Redis's emptyData). */
  flush(server: Server): void;
}

let hooks: FunctionsHooks | null = null;

export function setFunctionsHooks(h: FunctionsHooks): void {
  hooks = h;
}

export function functionCodes(server: Server): string[] {
  return hooks === null ? [] : hooks.codes(server);
}

/** The RDB function section (rdbSaveFunctions): one FUNCTION2 opcode + code per library. */
export function writeFunctionsSection(out: RdbOut, server: Server): void {
  for (const code of functionCodes(server)) {
    out.byte(RDB_OPCODE_FUNCTION2);
    out.string(code);
  }
}

export function loadFunctionLibrary(server: Server, code: string, replace: boolean): string | null {
  return hooks === null ? null : hooks.load(server, code, replace);
}

export function flushFunctions(server: Server): void {
  if (hooks !== null) hooks.flush(server);
}
