/**
 * Scenarios with several raw connections, run on the oracle and on Respite: the transcripts
 * of replies must be byte-identical (blocking commands, where arrival order matters).
 */
import assert from 'node:assert/strict';
import { RawClient } from './raw-client.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connections opened by a scenario, closed at its end. */
export class Conns {
  list: RawClient[] = [];
  constructor(readonly port: number) {}
  async open(): Promise<RawClient> {
    const c = await RawClient.connect(this.port);
    this.list.push(c);
    return c;
  }
  close(): void {
    for (const c of this.list) c.close();
  }
}

/** A numeric INFO field. */
export function infoField(info: string, name: string): number {
  const m = new RegExp(`${name}:(\\d+)`).exec(info);
  assert.ok(m, `INFO has ${name}`);
  return Number(m[1]);
}

/** Waits until INFO reports n blocked clients. */
export async function waitBlocked(ctl: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const got = infoField(await ctl.call('INFO', 'clients'), 'blocked_clients');
    if (got === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients stayed ${got}, expected ${n}`);
    await sleep(5);
  }
}

/** Asserts that nothing arrived on c for a little while. */
export async function silent(c: RawClient, ms = 50): Promise<void> {
  await sleep(ms);
  assert.equal(c.pending(), '', 'no reply expected yet');
}

export type Scenario = (conns: Conns) => Promise<string[]>;

/**
 * Runs a scenario on each port in turn (the oracle's first), FLUSHALL first when asked;
 * the transcripts must be identical. Returns the oracle's.
 */
export async function onBothPorts(
  ports: number[],
  scenario: Scenario,
  flushFirst = false,
): Promise<string[]> {
  const results: string[][] = [];
  for (const port of ports) {
    const conns = new Conns(port);
    try {
      if (flushFirst) await (await conns.open()).call('FLUSHALL');
      results.push(await scenario(conns));
    } finally {
      conns.close();
    }
  }
  for (let i = 1; i < results.length; i++) assert.deepEqual(results[i], results[0]);
  return results[0];
}
