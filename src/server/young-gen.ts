/**
 * Gives the V8 young generation's memory back once the server goes quiet.
 *
 * Under load V8 grows the young generation (the nursery where request garbage is born) from
 * 1 MB up to 16 MB per semi-space, and both semi-spaces then stay resident: ~16-32 MB of RSS
 * that holds no data — as much as the bytes of a 1,000,000-element list. V8 shrinks it again
 * only in a GC that finds the allocation rate of the last 5 s low, and an idle server runs
 * no GC at all. So after QUIET_MS without young-generation allocation, one scavenge is run
 * (about a millisecond): V8 then shrinks the nursery and uncommits the unused semi-space.
 * Capping the nursery instead (--max-semi-space-size) was measured to promote much more
 * request garbage under load, which skews maxmemory's heap figure (evict.ts).
 *
 * Like jemalloc's decay of dirty pages in redis-server, this only trims memory at rest.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { minorGc } from '../util/gc.js';

/** Longer than V8's allocation-throughput window (5 s), so that its next GC shrinks. */
const QUIET_MS = 5500;
/** How often the young generation is looked at (a few µs). */
const CHECK_MS = 500;
/** A nursery at most this big is left alone: V8 starts it at 1 MB and shrinks it to that. */
const SMALL = 2 << 20;
/** Young-generation allocation below this between two checks (0.5 MB/s; V8 shrinks below 1 MB/s) is quiet. */
const QUIET_BYTES = 256 << 10;

interface SpaceStats {
  space_name: string;
  space_size: number;
  space_used_size: number;
}

export class YoungGenTrimmer {
  /** The sources are parameters for the unit test. */
  constructor(
    private readonly stats: () => SpaceStats[] = getHeapSpaceStatistics,
    private readonly scavenge: () => void = minorGc,
  ) {}

  private lastCheck = 0;
  private lastUsed = -1;
  private quietSince = 0;

  /** Called from the server cron with the current time (ms). */
  tick(now: number): void {
    if (now - this.lastCheck < CHECK_MS && now >= this.lastCheck) return;
    this.lastCheck = now;
    let size = 0;
    let used = 0;
    for (const s of this.stats()) {
      if (s.space_name === 'new_space') {
        size = s.space_size;
        used = s.space_used_size;
      }
    }
    const active = this.lastUsed < 0 || Math.abs(used - this.lastUsed) >= QUIET_BYTES;
    this.lastUsed = used;
    if (active) {
      this.quietSince = now;
      return;
    }
    if (size <= SMALL || now - this.quietSince < QUIET_MS) return;
    this.scavenge();
    // The scavenge moved the used figure: measure from here. If V8 kept the nursery (a GC in
    // the quiet stretch restarted its throughput window), try again after another one.
    this.quietSince = now;
    for (const s of this.stats()) if (s.space_name === 'new_space') this.lastUsed = s.space_used_size;
  }
}
