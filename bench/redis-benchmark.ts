/**
 * Runs Debian's `redis-benchmark` (7.0) and parses its full (non-CSV) report, which has
 * everything the CSV has plus the hdr-histogram percentile distribution (for p99.9).
 * redis-benchmark 7.0 exits with status 1 on the first error reply ("Error from server: ..."),
 * so an unimplemented command never yields a bogus rate.
 */
import { spawn } from 'node:child_process';

export interface LatencyStats {
  test: string;
  requests: number;
  seconds: number;
  rps: number;
  avg: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  /** First hdr bucket at or above 99.9% (redis-benchmark's own distribution lines). */
  p999: number;
  max: number;
}

export interface BenchRun {
  ok: boolean;
  /** One entry per test section in the output (`-t set,get` gives two). */
  tests: LatencyStats[];
  error?: string;
  output: string;
}

export function runRedisBenchmark(args: string[]): Promise<BenchRun> {
  return new Promise((resolve) => {
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('latin1');
    child.stderr.setEncoding('latin1');
    child.stdout.on('data', (s: string) => (out += s));
    child.stderr.on('data', (s: string) => (out += s));
    child.on('error', (e) =>
      resolve({ ok: false, tests: [], error: `redis-benchmark: ${e.message}`, output: out }),
    );
    child.on('exit', (code) => {
      const errm = /Error from server: ([^\r\n]*)/.exec(out);
      if (code !== 0 || errm) {
        resolve({
          ok: false,
          tests: [],
          error: errm ? errm[1].trim() : `redis-benchmark exited with ${code}: ${out.slice(-300)}`,
          output: out,
        });
        return;
      }
      try {
        resolve({ ok: true, tests: parseReport(out), output: out });
      } catch (e) {
        resolve({ ok: false, tests: [], error: (e as Error).message, output: out });
      }
    });
  });
}

/** Parses each `====== NAME ======` section of a redis-benchmark 7.0 report. */
export function parseReport(out: string): LatencyStats[] {
  const text = out.replace(/\r/g, '\n');
  const parts = text.split(/^====== (.+) ======$/m);
  const res: LatencyStats[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i].trim();
    const body = parts[i + 1];
    const done = /(\d+) requests completed in ([\d.]+) seconds/.exec(body);
    const rps = /throughput summary: ([\d.]+) requests per second/.exec(body);
    const sum =
      /avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(
        body,
      );
    if (!done || !rps || !sum) throw new Error(`cannot parse redis-benchmark report for ${name}`);
    let p999 = NaN;
    const dist =
      body.split('Latency by percentile distribution:')[1]?.split('Cumulative distribution')[0] ?? '';
    for (const m of dist.matchAll(/([\d.]+)% <= ([\d.]+) milliseconds/g)) {
      if (Number(m[1]) >= 99.9) {
        p999 = Number(m[2]);
        break;
      }
    }
    res.push({
      test: name,
      requests: Number(done[1]),
      seconds: Number(done[2]),
      rps: Number(rps[1]),
      avg: Number(sum[1]),
      min: Number(sum[2]),
      p50: Number(sum[3]),
      p95: Number(sum[4]),
      p99: Number(sum[5]),
      p999,
      max: Number(sum[6]),
    });
  }
  if (res.length === 0) throw new Error('redis-benchmark printed no report');
  return res;
}
