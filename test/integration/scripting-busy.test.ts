/**
 * Runaway scripts: with the embedder's opt-in (`scriptEngine(server).killAfterBusy`), a script
 * that has not written and runs past busy-reply-threshold is killed as SCRIPT KILL would, and
 * the server serves clients again. Without it (the default) scripts run to completion.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';
import { scriptEngine } from '../../src/scripting/engine.js';

let respite: RespiteServer;

before(async () => {
  respite = await startRespite();
});

after(async () => {
  await respite.close();
});

test('an endless read-only script is killed after busy-reply-threshold when killAfterBusy is on', async () => {
  const r = new Redis({ host: '127.0.0.1', port: respite.port, maxRetriesPerRequest: 0 });
  try {
    scriptEngine(respite.server).killAfterBusy = true;
    await r.config('SET', 'busy-reply-threshold', '100');
    await assert.rejects(
      r.eval('while true do end', 0),
      /^ReplyError: ERR Script killed by user with SCRIPT KILL\.\.\./,
    );
    await assert.rejects(
      r.eval("local ok = pcall(function() while true do end end) return 'caught'", 0),
      /Script killed/,
    );
    assert.equal(await r.ping(), 'PONG');
    assert.equal(await r.eval('return 7', 0), 7);
    await assert.rejects(r.script('KILL'), /NOTBUSY No scripts in execution right now\./);
  } finally {
    scriptEngine(respite.server).killAfterBusy = false;
    r.disconnect();
  }
});
