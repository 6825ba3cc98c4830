/**
 * Opt-in event-loop stall monitor (`RESPITE_STALL_LOG=1`), for bench/ and for diagnosing
 * tail latency in production: every interval (`RESPITE_STALL_LOG_INTERVAL_MS`, default 1000)
 * it logs one line with the event-loop delay percentiles and the GC pauses of that interval:
 *
 *   stall-monitor: t=<unix ms> interval_ms=1000 samples=812 p50=0.02 p99=0.41 p999=3.20
 *     max=7.95 gc_minor=12/1.10/4.30 gc_major=0/0.00/0.00
 *
 * Delays are in ms, measured by a 1 ms libuv timer (`monitorEventLoopDelay`) with the timer
 * period subtracted, so a value is how long the loop was busy past the timer's due time — the
 * latency every client waiting on this server got added. GC fields are count/max/total ms of
 * the main-thread pauses of each kind (scavenges are minor; mark-compact and incremental
 * marking steps are major). Costs nothing when the variable is unset.
 */
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';

const RESOLUTION_MS = 1;

interface GcStats {
  count: number;
  max: number;
  total: number;
}

function fmt(n: number): string {
  return n.toFixed(2);
}

function gcField(s: GcStats): string {
  return `${s.count}/${fmt(s.max)}/${fmt(s.total)}`;
}

/** Starts the monitor when the environment asks for it; returns a stop function or null. */
export function startStallMonitor(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): (() => void) | null {
  const flag = env.RESPITE_STALL_LOG;
  if (flag === undefined || flag === '' || flag === '0' || flag === 'no') return null;
  const interval = Math.max(100, Number(env.RESPITE_STALL_LOG_INTERVAL_MS) || 1000);
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const minor: GcStats = { count: 0, max: 0, total: 0 };
  const major: GcStats = { count: 0, max: 0, total: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      const s = kind === constants.NODE_PERFORMANCE_GC_MINOR ? minor : major;
      s.count++;
      s.total += e.duration;
      if (e.duration > s.max) s.max = e.duration;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  // Histogram values are in ns and include the timer period itself.
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const timer = setInterval(() => {
    const samples = h.count;
    log(
      `stall-monitor: t=${Date.now()} interval_ms=${interval} samples=${samples}` +
        ` p50=${fmt(samples ? ms(h.percentile(50)) : 0)} p99=${fmt(samples ? ms(h.percentile(99)) : 0)}` +
        ` p999=${fmt(samples ? ms(h.percentile(99.9)) : 0)} max=${fmt(samples ? ms(h.max) : 0)}` +
        ` gc_minor=${gcField(minor)} gc_major=${gcField(major)}`,
    );
    h.reset();
    minor.count = minor.max = minor.total = 0;
    major.count = major.max = major.total = 0;
  }, interval);
  timer.unref();
  return () => {
    clearInterval(timer);
    h.disable();
    obs.disconnect();
  };
}
