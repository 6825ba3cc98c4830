/**
 * The BullMQ scenario of issue #6 (test/helpers/bullmq-scenario.ts) against Respite: 10,000
 * jobs, several workers with concurrency, delayed jobs, retries with backoff, priorities, rate
 * limiting, a job scheduler, a flow and a stalled job recovered after its worker process is
 * SIGKILLed; every job completes exactly once. Respite runs as a child process (the CLI), so
 * that the server and the BullMQ clients use both cores (in-process if the CLI is slow to start). Set BULLMQ_ORACLE=1 to run the same
 * scenario against redis-server too (it proves the test, not Respite).
 */
import { after, before, test } from 'node:test';
import { startOracle, startRespite, startRespiteProcess, hasOracle } from '../helpers/servers.js';
import { runBullmqScenario } from '../helpers/bullmq-scenario.js';

let port: number;
let stop: () => Promise<void>;

before(async () => {
  try {
    const child = await startRespiteProcess(['--save', '']);
    port = child.port;
    stop = () => child.stop();
  } catch {
    // The CLI can take more than the helper's 10 s to start on a saturated machine: then the
    // server runs in this process (slower, as it shares the event loop with the workers).
    const inProcess = await startRespite();
    port = inProcess.port;
    stop = () => inProcess.close();
  }
});

after(async () => {
  await stop?.();
});

const log = process.env.BULLMQ_LOG ? (s: string) => process.stdout.write(`# ${s}\n`) : undefined;

test(
  'BullMQ scenario: 10,000 jobs with delays, retries, priorities, rate limit, scheduler, flow and a stalled job complete exactly once',
  { timeout: 240000 },
  async () => {
    const r = await runBullmqScenario(port, { log });
    log?.(`respite: ${r.completed} jobs in ${r.seconds} s`);
  },
);

test(
  'the same BullMQ scenario against the oracle (BULLMQ_ORACLE=1)',
  { skip: !process.env.BULLMQ_ORACLE || !hasOracle(), timeout: 240000 },
  async () => {
    const oracle = await startOracle();
    try {
      const r = await runBullmqScenario(oracle.port, { log });
      log?.(`oracle: ${r.completed} jobs in ${r.seconds} s`);
    } finally {
      await oracle.stop();
    }
  },
);
