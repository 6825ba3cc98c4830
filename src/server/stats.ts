/**
 * Server statistics for INFO (stats, errorstats) and the instantaneous_* samplers.
 */
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
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** errorstats: error prefix (e.g. ERR, WRONGTYPE) -> count */
  errors = new Map<string, number>();
  readonly instOps = new InstMetric();
  readonly instInput = new InstMetric();
  readonly instOutput = new InstMetric();

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
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.errors.clear();
  }
}
