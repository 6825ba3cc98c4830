/**
 * Propagation of writes to the AOF and replicas (Redis 7.0's alsoPropagate /
 * propagatePendingCommands). The server collects the operations of one execution unit (a
 * top-level command with everything it runs: EXEC's queue, lazy expiry, ...; one served
 * blocked client; one key deleted by active expiry) and, when the unit ends, hands them to
 * every sink in `server.propagationSinks`, wrapped in MULTI ... EXEC when there is more than
 * one, as 7.0 does. Each sink keeps its own selected database (the AOF and each replica
 * link do, in Redis): PropagationRecorder shows how, emitting SELECT when it changes.
 *
 * What a command propagates (see dispatcher.ts call()):
 * - a command that changed `server.dirty` is propagated verbatim, with the database it left
 *   selected, after whatever side effects it propagated (expired keys: `alsoPropagate`);
 * - a command that calls `server.propagate(dbid, argv)` propagates that instead of itself
 *   (SET EX -> SET PXAT, SPOP -> SREM, ...: Redis's rewriteClientCommandVector and
 *   alsoPropagate + preventCommandPropagation); `preventCommandPropagation()` propagates
 *   nothing for it; EXEC is never propagated itself (its commands are).
 */

/** Targets of an operation (Redis's PROPAGATE_AOF / PROPAGATE_REPL). */
export const PROPAGATE_AOF = 1;
export const PROPAGATE_REPL = 2;
export const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL;

/** Receives the final stream, one operation at a time (MULTI and EXEC included). */
export type PropagationSink = (dbid: number, argv: readonly string[], target: number) => void;

/** One pending operation of the running execution unit. */
export interface PropagatedOp {
  dbid: number;
  argv: string[];
  target: number;
}

const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

/** Delivers the operations of one execution unit to the sinks (propagatePendingCommands). */
export function deliverOps(sinks: readonly PropagationSink[], ops: readonly PropagatedOp[]): void {
  const n = ops.length;
  // One command is atomic already; several are wrapped, MULTI in the first one's database
  // and EXEC in the last one's, so that no extra SELECT is needed.
  const wrap = n > 1;
  for (let s = 0; s < sinks.length; s++) {
    const sink = sinks[s];
    if (wrap) sink(ops[0].dbid, MULTI, PROPAGATE_ALL);
    for (let i = 0; i < n; i++) sink(ops[i].dbid, ops[i].argv, ops[i].target);
    if (wrap) sink(ops[n - 1].dbid, EXEC, PROPAGATE_ALL);
  }
}

/**
 * A sink that records the stream as Redis's AOF would hold it (SELECT before a command of
 * another database than the previous one), for tests and tools.
 */
export class PropagationRecorder {
  commands: string[][] = [];
  private selected = -1;
  readonly sink: PropagationSink;

  constructor(readonly target = PROPAGATE_AOF) {
    this.sink = (dbid, argv, target) => {
      if ((target & this.target) === 0) return;
      if (dbid !== this.selected) {
        this.commands.push(['SELECT', String(dbid)]);
        this.selected = dbid;
      }
      this.commands.push(argv.slice());
    };
  }

  /** The commands recorded since the last call. */
  take(): string[][] {
    const out = this.commands;
    this.commands = [];
    return out;
  }
}

/** Adds a recorder to a server's sinks; `stop()` removes it. */
export function recordPropagation(
  server: { propagationSinks: PropagationSink[] },
  target = PROPAGATE_AOF,
): PropagationRecorder & { stop(): void } {
  const rec = new PropagationRecorder(target) as PropagationRecorder & { stop(): void };
  server.propagationSinks.push(rec.sink);
  rec.stop = () => {
    const i = server.propagationSinks.indexOf(rec.sink);
    if (i !== -1) server.propagationSinks.splice(i, 1);
  };
  return rec;
}
