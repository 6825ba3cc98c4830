/**
 * Reading the oracle's side effects: the commands it appended to its AOF (what it
 * propagates) and the keyspace events it published, for tests that compare them with what
 * Respite passes to its `propagate` and `notifyKeyspaceEvent` hooks.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { startPair, fmt, type Cmd, type Pair } from './compat.js';
import { RawClient } from './raw-client.js';
import { NOTIFY_NEW } from '../../src/server/notify.js';
import type { Database } from '../../src/store/database.js';

/** Splits raw RESP multibulk frames (arrays of bulk strings) into argument lists. */
export function parseFrames(raw: string): string[][] {
  const out: string[][] = [];
  let p = 0;
  const line = (): string => {
    const e = raw.indexOf('\r\n', p);
    const l = raw.slice(p, e);
    p = e + 2;
    return l;
  };
  while (p < raw.length) {
    const head = line();
    assert.equal(head[0], '*', `unexpected frame ${JSON.stringify(head)}`);
    const n = Number(head.slice(1));
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      const len = Number(line().slice(1));
      args.push(raw.slice(p, p + len));
      p += len + 2;
    }
    out.push(args);
  }
  return out;
}

/** Follows the oracle's incremental AOF file, returning the commands appended since the last read. */
export class AofTail {
  private pos = 0;
  constructor(private readonly path: string) {}

  /** Commands appended since the last call, without SELECT/MULTI/EXEC. */
  read(): string[][] {
    return this.readAll().filter((a) => !['SELECT', 'MULTI', 'EXEC'].includes(a[0].toUpperCase()));
  }

  /** Every command appended since the last call, SELECT/MULTI/EXEC included. */
  readAll(): string[][] {
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(size - this.pos);
      readSync(fd, buf, 0, buf.length, this.pos);
      this.pos = size;
      return parseFrames(buf.latin1Slice());
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The oracle's keyspace events (as "event key" strings) up to a marker published after the
 * command; `sub` must be PSUBSCRIBEd to `__keyevent@0__:*`.
 */
export async function oracleEvents(pair: Pair, sub: RawClient): Promise<string[]> {
  await pair.o.call('PUBLISH', '__keyevent@0__:__marker__', 'x');
  const out: string[] = [];
  for (;;) {
    const [msg] = parseFrames(await sub.read());
    const event = msg[2].slice('__keyevent@0__:'.length);
    if (event === '__marker__') return out;
    out.push(`${event} ${msg[3]}`);
  }
}

/**
 * The harness of the *-effects compat tests: a pair started with the oracle writing its AOF
 * (appendfsync always) and publishing every keyspace event, Respite's propagate and
 * notification hooks recorded, lazy expiry only. Registers its own before/after hooks and
 * returns `sameEffects(...cmds)`, which runs each command on both servers and compares the
 * replies, what was propagated and the keyspace events.
 */
export function effectsHarness(): { sameEffects: (...cmds: Cmd[]) => Promise<void> } {
  let pair: Pair;
  let sub: RawClient;
  let aof: AofTail;
  const propagated: string[][] = [];
  const events: string[] = [];

  /** Two argument lists are the same command, timestamps of relative TTLs within 2 s. */
  function sameCommand(a: string[], b: string[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (i === 0 && a[i].toUpperCase() === b[i].toUpperCase()) continue;
      const x = Number(a[i]);
      const y = Number(b[i]);
      if (x > 1e12 && y > 1e12 && Math.abs(x - y) <= 2000) continue;
      return false;
    }
    return true;
  }

  before(async () => {
    pair = await startPair([
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--notify-keyspace-events',
      'KEAm',
      '--enable-debug-command',
      'yes',
    ]);
    // Only lazy expiry, so which command meets an expired key is deterministic.
    await pair.o.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    pair.respite.server.activeExpireEnabled = false;
    aof = new AofTail(join(pair.oracle.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
    sub = await RawClient.connect(pair.oracle.port);
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    const server = pair.respite.server;
    let expiring = false;
    const onExpired = server.onExpired.bind(server);
    server.onExpired = (db: Database, key: string): void => {
      expiring = true;
      onExpired(db, key);
      expiring = false;
    };
    server.propagate = (_dbid: number, argv: string[]): void => {
      propagated.push(expiring ? ['(expired)', ...argv] : argv);
    };
    server.notifyKeyspaceEvent = (type: number, event: string, key: string): void => {
      if (type !== NOTIFY_NEW) events.push(`${event} ${key}`);
    };
    aof.read();
  });

  after(async () => {
    sub.close();
    await pair.close();
  });

  /** Runs each command on both servers and compares replies, propagation and events. */
  async function sameEffects(...cmds: Cmd[]): Promise<void> {
    const server = pair.respite.server;
    for (const cmd of cmds) {
      const argv = cmd.map((a) => (Buffer.isBuffer(a) ? a.latin1Slice() : String(a)));
      propagated.length = 0;
      events.length = 0;
      const dirty = server.dirty;
      const [a, b] = await pair.both(...cmd);
      assert.equal(b, a, `reply to ${fmt(cmd)}`);
      const expired = propagated.filter((p) => p[0] === '(expired)').map((p) => p.slice(1));
      const own = propagated.filter((p) => p[0] !== '(expired)');
      const respiteProp = [...expired, ...(own.length > 0 ? own : server.dirty !== dirty ? [argv] : [])];
      const oracleProp = aof.read();
      assert.ok(
        respiteProp.length === oracleProp.length &&
          respiteProp.every((p, i) => sameCommand(p, oracleProp[i])),
        `propagation of ${fmt(cmd)}:\n  redis:   ${JSON.stringify(oracleProp)}\n  respite: ${JSON.stringify(respiteProp)}`,
      );
      assert.deepEqual(events, await oracleEvents(pair, sub), `keyspace events of ${fmt(cmd)}`);
    }
  }
  return { sameEffects };
}
