/**
 * Server statistics for INFO (stats, errorstats, latencystats), the instantaneous_*
 * samplers, per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) and the
 * latency monitor's event series (LATENCY LATEST/HISTORY, latency-monitor-threshold).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { CommandSpec } from '../commands/types.js';

/** jemalloc's size class for an allocation of n bytes (8, 16, 32, 48, ..., 4 classes per doubling). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const pow = 2 ** Math.ceil(Math.log2(n));
  const step = pow / 8; // four classes between pow/2 and pow
  return Math.ceil(n / step) * step;
}

const SAMPLES = 16;

class InstMetric {
  private samples = new Float64Array(SAMPLES);
  private idx = 0;
  private lastTime = 0;
  private lastValue = 0;

  sample(now: number, value: number): void {
    if (this.lastTime !== 0) {
      const dt = now - this.lastTime;
      if (dt >= 100) {
        this.samples[this.idx++ % SAMPLES] = ((value - this.lastValue) * 1000) / dt;
        this.lastTime = now;
        this.lastValue = value;
      }
      return;
    }
    this.lastTime = now;
    this.lastValue = value;
  }

  get value(): number {
    let s = 0;
    for (let i = 0; i < SAMPLES; i++) s += this.samples[i];
    return s / SAMPLES;
  }
}

/**
 * A latency histogram with the bucket layout of Redis's hdr_histogram (values in ns,
 * 1 ns .. 1 s, 2 significant digits): values below 256 are exact, above that each power of
 * two is split into 128 sub-buckets. Reported values are a bucket's highest equivalent
 * value, so percentiles print the same numbers Redis prints.
 */
export class LatencyHistogram {
  static readonly MAX_NS = 1_000_000_000;
  /** Bucket 0 holds 0..255 exactly; bucket b >= 1 holds [128 << b, 256 << b) in 128 steps. */
  private counts = new Float64Array(256 + 23 * 128);
  total = 0;
  maxIndex = 0;

  private static indexOf(v: number): number {
    if (v < 256) return v;
    const b = 31 - Math.clz32(v) - 7;
    // v < 2^31, so the shift is floor(v / 2^b) without a pow() per command.
    return 256 + (b - 1) * 128 + ((v >>> b) - 128);
  }

  /** Lowest value of the bucket at index i. */
  private static lowest(i: number): number {
    if (i < 256) return i;
    const b = Math.floor((i - 256) / 128) + 1;
    const sub = ((i - 256) % 128) + 128;
    return sub * 2 ** b;
  }

  private static highest(i: number): number {
    if (i < 256) return i;
    const b = Math.floor((i - 256) / 128) + 1;
    return LatencyHistogram.lowest(i) + 2 ** b - 1;
  }

  /** Records one duration in ns (clamped to Redis's 1 ns .. 1 s range). */
  record(ns: number): void {
    let v = Math.floor(ns);
    if (v < 1) v = 1;
    else if (v > LatencyHistogram.MAX_NS) v = LatencyHistogram.MAX_NS;
    const i = LatencyHistogram.indexOf(v);
    this.counts[i]++;
    this.total++;
    if (i > this.maxIndex) this.maxIndex = i;
  }

  /** hdr_value_at_percentile: the highest equivalent value of the percentile's bucket. */
  valueAtPercentile(p: number): number {
    const req = p < 100 ? p : 100;
    let target = Math.floor((req / 100) * this.total + 0.5);
    if (target < 1) target = 1;
    let acc = 0;
    for (let i = 0; i <= this.maxIndex; i++) {
      acc += this.counts[i];
      if (acc >= target) return LatencyHistogram.highest(i);
    }
    return 0;
  }

  /**
   * The cumulative distribution Redis's LATENCY HISTOGRAM replies (hdr's logarithmic
   * iterator from 1024 ns doubling): [usec, cumulative count] for each step where the
   * count grew.
   */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    let level = 1024;
    let acc = 0;
    let i = 0;
    let prev = 0;
    while (acc < this.total) {
      const li = LatencyHistogram.indexOf(level);
      for (; i <= li && i <= this.maxIndex; i++) acc += this.counts[i];
      if (acc > prev) out.push([Math.floor(LatencyHistogram.highest(li) / 1000), acc]);
      prev = acc;
      level *= 2;
    }
    return out;
  }
}

/** One latency monitor event series (Redis keeps the last 160 samples per event). */
export interface LatencyEvent {
  samples: { time: number; latency: number }[];
  max: number;
}

const LATENCY_TS_LEN = 160;

export class Stats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReachedCount = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** Read events and reply writes handled (INFO total_reads/writes_processed). */
  readsProcessed = 0;
  writesProcessed = 0;
  totalErrorReplies = 0;
  /** totalErrorReplies when the running command started or the last nested one ended. */
  prevErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** errorstats: error prefix (e.g. ERR, WRONGTYPE) -> count */
  errors = new Map<string, number>();
  readonly instOps = new InstMetric();
  readonly instInput = new InstMetric();
  readonly instOutput = new InstMetric();
  /** Latency monitor: event name -> samples (LATENCY LATEST/HISTORY). */
  latencyEvents = new Map<string, LatencyEvent>();
  /** Cached `latency-tracking` (per-command histograms) and `latency-monitor-threshold` (ms). */
  latencyTracking = true;
  latencyThreshold = 0;
  /** used_memory_peak, refreshed whenever memory is measured. */
  peakMemory = 0;
  /** Memory in use right after the server was created (used_memory_startup). */
  readonly startupMemory = process.memoryUsage().heapUsed;
  /** The replication ID (master_replid); a fresh random one per server, as Redis. */
  readonly replid = randomBytes(20).toString('hex');

  /** Keeps the cached latency options in sync with the config (called once by the Server). */
  watchConfig(config: Config): void {
    this.latencyTracking = config.bool('latency-tracking');
    this.latencyThreshold = config.num('latency-monitor-threshold');
    config.onChange('latency-tracking', (v) => (this.latencyTracking = v as boolean));
    config.onChange('latency-monitor-threshold', (v) => (this.latencyThreshold = v as number));
  }

  /** After a command ran for `usec`: its latency histogram and the latency monitor's event. */
  commandDone(cmd: CommandSpec, usec: number, fast: boolean, nowMs: number): void {
    if (this.latencyTracking) this.recordCommandLatency(cmd, usec);
    if (this.latencyThreshold > 0) {
      const ms = Math.floor(usec / 1000);
      if (ms >= this.latencyThreshold) this.addLatencySample(fast ? 'fast-command' : 'command', ms, nowMs);
    }
  }

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const prefix = sp === -1 ? msg : msg.slice(0, sp);
    // Redis caps the errorstats table at 128 kinds.
    if (this.errors.size >= 128 && !this.errors.has(prefix)) return;
    this.errors.set(prefix, (this.errors.get(prefix) ?? 0) + 1);
  }

  sample(now: number): void {
    this.instOps.sample(now, this.commandsProcessed);
    this.instInput.sample(now, this.netInputBytes);
    this.instOutput.sample(now, this.netOutputBytes);
  }

  /**
   * Records a command's duration (µs) in its latency histogram, kept on the command's stats
   * (no lookup per call: scripts send every redis.call here). A reset bumps `latencyGen`,
   * which retires every histogram at once.
   */
  recordCommandLatency(cmd: CommandSpec, usec: number): void {
    const st = cmd.stats!;
    let h = st.hist;
    if (h === undefined || st.histGen !== this.latencyGen) {
      h = new LatencyHistogram();
      st.hist = h;
      st.histGen = this.latencyGen;
    }
    h.record(usec * 1000);
  }
  private latencyGen = 0;

  /** The command's latency histogram since the last reset, if it ran (INFO latencystats, LATENCY HISTOGRAM). */
  latencyOf(cmd: CommandSpec): LatencyHistogram | undefined {
    const st = cmd.stats;
    return st !== undefined && st.histGen === this.latencyGen ? st.hist : undefined;
  }

  /** latencyAddSample: one sample (ms) for an event, at most one per second kept. */
  addLatencySample(event: string, latencyMs: number, nowMs: number): void {
    const time = Math.floor(nowMs / 1000);
    let e = this.latencyEvents.get(event);
    if (e === undefined) {
      e = { samples: [], max: 0 };
      this.latencyEvents.set(event, e);
    }
    if (latencyMs > e.max) e.max = latencyMs;
    const last = e.samples[e.samples.length - 1];
    // Several samples in the same second keep the highest, as Redis does.
    if (last !== undefined && last.time === time) {
      if (latencyMs > last.latency) last.latency = latencyMs;
      return;
    }
    e.samples.push({ time, latency: latencyMs });
    if (e.samples.length > LATENCY_TS_LEN) e.samples.shift();
  }

  /** Current memory figure for INFO used_memory: V8 heap plus the off-heap string arenas. */
  /** Records `used` (INFO used_memory, see evict.ts for how it is measured) for the peak. */
  usedMemory(used: number): number {
    if (used > this.peakMemory) this.peakMemory = used;
    return used;
  }

  reset(): void {
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.commandsProcessed = 0;
    this.expiredKeys = 0;
    this.expiredStalePerc = 0;
    this.expiredTimeCapReachedCount = 0;
    this.evictedKeys = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.errors.clear();
    this.latencyGen++;
  }
}
