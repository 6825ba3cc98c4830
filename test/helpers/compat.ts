/**
 * Differential testing against the oracle: the same commands go to Debian's redis-server and
 * to Respite, and the raw reply bytes must be identical.
 *
 *   const pair = await startPair();
 *   await pair.same(['SET', 'k', 'v'], ['GET', 'k']);
 *   await pair.close();
 */
import assert from 'node:assert/strict';
import { RawClient } from './raw-client.js';
import { startOracle, startRespite, type ChildServer } from './servers.js';
import type { RespiteServer } from '../../src/index.js';

export type Cmd = (string | Buffer | number)[];

export class Pair {
  constructor(
    readonly oracle: ChildServer,
    readonly respite: RespiteServer,
    readonly o: RawClient,
    readonly r: RawClient,
  ) {}

  /** Sends cmd to both and returns both raw replies. */
  async both(...cmd: Cmd): Promise<[string, string]> {
    this.o.send(...cmd);
    this.r.send(...cmd);
    return [await this.o.read(), await this.r.read()];
  }

  /** Asserts that every command gets byte-identical replies from both servers. */
  async same(...cmds: Cmd[]): Promise<void> {
    for (const cmd of cmds) {
      const [a, b] = await this.both(...cmd);
      assert.equal(
        b,
        a,
        `reply to ${fmt(cmd)} differs:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`,
      );
    }
  }

  /** Sends a command to both and returns the oracle's reply, asserting only that both are of the same RESP type. */
  async sameType(...cmd: Cmd): Promise<[string, string]> {
    const [a, b] = await this.both(...cmd);
    assert.equal(
      b[0],
      a[0],
      `reply type to ${fmt(cmd)} differs: redis ${JSON.stringify(a)} respite ${JSON.stringify(b)}`,
    );
    return [a, b];
  }

  /** Resets both servers' data (FLUSHALL) and selects db 0. */
  async reset(): Promise<void> {
    await this.same(['FLUSHALL'], ['SELECT', '0']);
  }

  async close(): Promise<void> {
    this.o.close();
    this.r.close();
    await this.respite.close();
    await this.oracle.stop();
  }
}

export function fmt(cmd: Cmd): string {
  return cmd.map((a) => JSON.stringify(String(a)).slice(0, 60)).join(' ');
}

export async function startPair(
  oracleArgs: string[] = [],
  respiteConfig: Record<string, string | number> = {},
): Promise<Pair> {
  const oracle = await startOracle(oracleArgs);
  const respite = await startRespite({ config: respiteConfig });
  const o = await RawClient.connect(oracle.port);
  const r = await RawClient.connect(respite.port);
  return new Pair(oracle, respite, o, r);
}
