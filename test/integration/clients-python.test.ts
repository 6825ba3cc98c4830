/**
 * Python's redis library (Debian's python3-redis) against Respite and against redis-server:
 * the same script must print the same results, pipelines and binary values included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { startOracle, startRespite } from '../helpers/servers.js';

/** A python3 that can `import redis` (Debian's /usr/bin/python3 when a pyenv shim shadows it). */
function findPython(): string | null {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0) return exe;
  }
  return null;
}

const SCRIPT = String.raw`
import json, sys, redis
port = int(sys.argv[1])
out = []
def rec(f):
    try:
        v = f()
        out.append(v.hex() if isinstance(v, bytes) else v)
    except redis.exceptions.ResponseError as e:
        out.append({"error": str(e)})
r = redis.Redis(host="127.0.0.1", port=port)
rec(lambda: r.ping())
rec(lambda: r.echo(b"a b\r\n\x00\xff"))
rec(lambda: r.set("text", "h\u00e9llo \u2713"))
rec(lambda: r.get("text").decode("utf-8"))
allb = bytes(range(256))
rec(lambda: r.set(allb, allb * 3))
rec(lambda: r.get(allb))
rec(lambda: r.get("missing"))
big = b"xyz" * 300000
rec(lambda: r.set("big", big))
rec(lambda: r.get("big") == big)
p = r.pipeline(transaction=False)
for i in range(1000):
    p.set("p:%d" % i, "v%d" % i)
for i in range(1000):
    p.get("p:%d" % i)
res = p.execute()
out.append([len(res), res[0], res[999], res[1000].decode(), res[1999].decode()])
rec(lambda: r.execute_command("NOSUCHCOMMAND", "x"))
rec(lambda: r.execute_command("GET"))
rec(lambda: r.execute_command("SELECT", "99"))
r1 = redis.Redis(host="127.0.0.1", port=port, db=1)
rec(lambda: r1.get("text"))
rec(lambda: r1.set("text", "db1"))
rec(lambda: r1.get("text"))
rec(lambda: r.get("text").decode("utf-8"))
r1.close()
r.close()
print(json.dumps(out))
`;

function runPython(
  python: string,
  port: number,
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(python, ['-c', SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

test('redis-py gets the same results from Respite as from redis-server', async (t) => {
  const python = findPython();
  if (python === null) {
    t.skip('no python3 with the redis module (apt-get install python3-redis)');
    return;
  }
  const oracle = await startOracle();
  const respite = await startRespite();
  try {
    const o = await runPython(python, oracle.port);
    assert.equal(o.status, 0, o.stderr);
    const r = await runPython(python, respite.port);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(o.stdout));
    const expected = JSON.parse(o.stdout) as unknown[];
    assert.equal(expected[0], true, 'PING');
    assert.equal(expected[5], Buffer.from(Array.from({ length: 768 }, (_, i) => i & 255)).toString('hex'));
    assert.equal(expected[8], true, 'the 900 KB value came back intact');
  } finally {
    await respite.close();
    await oracle.stop();
  }
});
