/**
 * The RDB/AOF plug-in point of Redis Functions: the functions registry (scripting/
 * functions.ts) installs these hooks, so persistence writes and loads libraries without
 * importing the scripting engine.
 */
import type { Server } from '../server/server.js';
import {
  RdbError,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  type RdbOut,
  type RdbParser,
} from './rdb.js';

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

/**
 * Reads one library after its opcode (rdbFunctionLoad): FUNCTION2 holds the code; the
 * pre-GA format (7.0 release candidates) holds name, engine, an optional description and the
 * body, turned into `#!<engine> name=<name>` + body. Returns the code or Redis's error.
 */
export function readFunctionCode(p: RdbParser, type: number): string | { err: string } {
  const read = (what: string): string | { err: string } => {
    try {
      return p.string();
    } catch (e) {
      if (e instanceof RdbError) return { err: `Failed loading ${what}` };
      throw e;
    }
  };
  if (type !== RDB_OPCODE_FUNCTION_PRE_GA) return read('library payload');
  const name = read('library name');
  if (typeof name !== 'string') return name;
  const engine = read('engine name');
  if (typeof engine !== 'string') return engine;
  let hasDesc: number;
  try {
    hasDesc = p.plainLen();
  } catch (e) {
    if (e instanceof RdbError) return { err: 'Failed loading library description indicator' };
    throw e;
  }
  if (hasDesc !== 0) {
    const desc = read('library description');
    if (typeof desc !== 'string') return desc;
  }
  const body = read('library blob');
  if (typeof body !== 'string') return body;
  return `#!${engine} name=${name}\n${body}`;
}
