/**
 * Reading the oracle's side effects: the commands it appended to its AOF (what it
 * propagates) and the keyspace events it published, for tests that compare them with what
 * Respite passes to its `propagate` and `notifyKeyspaceEvent` hooks.
 */
import assert from 'node:assert/strict';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Pair } from './compat.js';
import type { RawClient } from './raw-client.js';

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
