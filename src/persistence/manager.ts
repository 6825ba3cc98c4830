/**
 * RDB persistence of one server: SAVE / BGSAVE (fork-less, see snapshot.ts), `save` points
 * checked by the cron, loading at startup, the save on SHUTDOWN / FLUSHALL, and the state
 * INFO persistence reports. Files are written to a temp file, fsynced, renamed over the old
 * one and the directory fsynced, so a failure never damages the previous good file.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  close,
} from 'node:fs';
import { dirname } from 'node:path';
import { detachInBackground, writeAll } from './files.js';
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import { REDIS_VERSION } from '../server/server.js';
import { Snapshot } from './snapshot.js';
import { loadRdbBuffer, RdbLoader, type LoadResult } from './load.js';
// Registers the stream serialiser, reader and digest.
import './stream-rdb.js';
import { RdbError } from './rdb.js';

/** Seconds between BGSAVE retries after a failure (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY = 5;

export const MISCONF_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

interface SavePoint {
  seconds: number;
  changes: number;
}

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const map: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    ENOSPC: 'No space left on device',
    EROFS: 'Read-only file system',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EIO: 'Input/output error',
  };
  return (code !== undefined && map[code]) || (e as Error).message;
}

/** Loading stopped because the server closed meanwhile (not a load error). */
export class LoadAbortedError extends Error {}

export class RdbManager {
  lastBgsaveStatusOk = true;
  lastBgsaveTimeSec = -1;
  lastBgsaveTry = 0;
  rdbSaves = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  bgsaveScheduled = false;
  /** The BGSAVE in progress. */
  private bg: Snapshot | null = null;
  private bgStart = 0;
  private bgFd = -1;
  private bgTmp = '';
  private bgDirtyBefore = 0;
  private bgTimer: NodeJS.Immediate | null = null;
  private bgCallbacks: ((ok: boolean) => void)[] = [];
  /** Longest time slice of the running BGSAVE (ms): its own contribution to event-loop stalls. */
  private bgMaxSliceMs = 0;
  private bgKeys = 0;
  /** Startup loading in progress (INFO loading fields), else null. */
  private loadingState: { start: number; total: number; loaded: () => number; usedMem: () => number } | null =
    null;
  /** The AOF replays its own commands: the LOADING refusal does not apply to them. */
  replaying = false;
  /** Function library code found in the last loaded RDB (registered while loading). */
  functionLibraries: string[] = [];

  constructor(private readonly server: Server) {
    for (const o of ['stop-writes-on-bgsave-error', 'save'])
      server.config.onChange(o, () => this.updateDiskError());
  }

  get bgsaveInProgress(): boolean {
    return this.bg !== null;
  }

  savePoints(): SavePoint[] {
    const words = this.server.config
      .str('save')
      .split(' ')
      .filter((w) => w !== '');
    const out: SavePoint[] = [];
    for (let i = 0; i + 1 < words.length; i += 2)
      out.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
    return out;
  }

  /** Redis's writeCommandsDeniedByDiskError, cached on the server for the dispatcher. */
  updateDiskError(): void {
    const s = this.server;
    s.diskErrorReply =
      !this.lastBgsaveStatusOk && s.config.bool('stop-writes-on-bgsave-error') && this.savePoints().length > 0
        ? MISCONF_ERROR
        : s.aof.diskError();
  }

  private setStatus(ok: boolean): void {
    this.lastBgsaveStatusOk = ok;
    this.updateDiskError();
  }

  private path(): string {
    return this.server.config.resolvePath(this.server.config.str('dbfilename'));
  }

  private aux(): [string, string][] {
    const mem = process.memoryUsage();
    return [
      ['redis-ver', REDIS_VERSION],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(this.server.clock() / 1000))],
      ['used-mem', String(mem.rss)],
      ['aof-base', '0'],
    ];
  }

  private newSnapshot(sink: (chunk: Buffer) => void): Snapshot {
    const policy = this.server.config.str('maxmemory-policy');
    return new Snapshot(this.server, sink, {
      aux: this.aux(),
      checksum: this.server.config.bool('rdbchecksum'),
      saveLru: policy.endsWith('-lru'),
      saveLfu: policy.endsWith('-lfu'),
      keyDelayUs: this.server.config.num('rdb-key-save-delay'),
    });
  }

  private tempPath(bg: boolean): string {
    const name = bg ? `temp-${process.pid}-bg.rdb` : `temp-${process.pid}.rdb`;
    return this.server.config.resolvePath(name);
  }

  /**
   * Renames the finished temp file into place and fsyncs the directory. The file it
   * replaces is held open across the rename and closed in libuv's thread pool, so that
   * freeing its blocks (tens of milliseconds for a big dump) happens there, not on the
   * event loop.
   */
  private commit(tmp: string): void {
    const dest = this.path();
    detachInBackground(dest, () => renameSync(tmp, dest));
    try {
      const dfd = openSync(dirname(dest), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      /* some filesystems refuse fsync on directories */
    }
  }

  /**
   * rdbSave: a synchronous snapshot (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD). Returns true on
   * success; logs Redis's messages either way.
   */
  saveSync(): boolean {
    const tmp = this.tempPath(false);
    let fd: number;
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      this.server.log.warning(
        `Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${this.server.config.str('dir') || process.cwd()}) for saving: ${errText(e)}`,
      );
      return false;
    }
    try {
      const snap = this.newSnapshot((chunk) => writeAll(fd, chunk));
      snap.runToEnd();
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      this.commit(tmp);
    } catch (e) {
      if (fd !== -1) closeSync(fd);
      this.server.log.warning(`Write error saving DB on disk: ${errText(e)}`);
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.server.dirty = 0;
    this.server.lastSaveTime = Math.floor(this.server.clock() / 1000);
    this.rdbSaves++;
    this.setStatus(true);
    return true;
  }

  /**
   * rdbSaveBackground: starts a fork-less snapshot; the server keeps serving while it runs.
   * Returns false when the file cannot be opened (the failure is recorded as Redis does).
   */
  startBgsave(done?: (ok: boolean) => void): boolean {
    if (this.bg !== null) {
      if (done) this.bgCallbacks.push(done);
      return true;
    }
    const s = this.server;
    this.bgDirtyBefore = s.dirty;
    this.lastBgsaveTry = Math.floor(s.clock() / 1000);
    const tmp = this.tempPath(true);
    let fd: number;
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      // Redis's forked child fails here and reports on exit: BGSAVE itself "started".
      s.log.notice('Background saving started');
      s.log.warning(
        `Failed opening the temp RDB file temp-${process.pid}-bg.rdb (in server root dir ${s.config.str('dir') || process.cwd()}) for saving: ${errText(e)}`,
      );
      s.log.warning('Background saving error');
      this.lastBgsaveTimeSec = 0;
      this.setStatus(false);
      if (done) setImmediate(() => done(false));
      return true;
    }
    this.bgFd = fd;
    this.bgTmp = tmp;
    this.bgStart = performance.now();
    this.bgMaxSliceMs = 0;
    this.bgsaveScheduled = false;
    const snap = this.newSnapshot((chunk) => writeAll(fd, chunk));
    snap.attach();
    this.bg = snap;
    if (done) this.bgCallbacks.push(done);
    s.log.notice(`Background saving started`);
    this.bgTimer = setImmediate(() => this.bgStep());
    return true;
  }

  private bgStep(): void {
    this.bgTimer = null;
    const snap = this.bg;
    if (snap === null) return;
    let finished: boolean;
    const t0 = performance.now();
    try {
      finished = snap.step();
    } catch (e) {
      this.bgFailed(e);
      return;
    }
    const took = performance.now() - t0;
    if (took > this.bgMaxSliceMs) this.bgMaxSliceMs = took;
    if (!finished) {
      this.bgTimer = setImmediate(() => this.bgStep());
      return;
    }
    const fd = this.bgFd;
    // fsync off the event loop (libuv's thread pool), then rename.
    fsync(fd, (err) => {
      close(fd, () => {
        if (this.bg !== snap) return; // killed meanwhile
        if (err) {
          this.bgFailed(err);
          return;
        }
        try {
          this.commit(this.bgTmp);
        } catch (e) {
          this.bgFailed(e);
          return;
        }
        this.bgDone(true);
      });
    });
  }

  private bgFailed(e: unknown): void {
    this.server.log.warning(`Write error saving DB on disk: ${errText(e)}`);
    this.killBgsave(false);
    this.server.log.warning('Background saving error');
    this.lastBgsaveTimeSec = Math.floor((performance.now() - this.bgStart) / 1000);
    this.setStatus(false);
    this.fireCallbacks(false);
  }

  private bgDone(ok: boolean): void {
    const s = this.server;
    this.bgKeys = this.bg?.keysWritten ?? 0;
    this.bg = null;
    this.bgFd = -1;
    s.log.notice('DB saved on disk');
    const secs = (performance.now() - this.bgStart) / 1000;
    s.log.notice(
      `Background saving: ${this.bgKeys} keys in ${secs.toFixed(3)} s, longest slice ${this.bgMaxSliceMs.toFixed(2)} ms`,
    );
    s.log.notice('Background saving terminated with success');
    s.dirty = Math.max(0, s.dirty - this.bgDirtyBefore);
    s.lastSaveTime = Math.floor(s.clock() / 1000);
    this.lastBgsaveTimeSec = Math.round((performance.now() - this.bgStart) / 1000);
    this.rdbSaves++;
    this.setStatus(ok);
    this.fireCallbacks(ok);
  }

  private fireCallbacks(ok: boolean): void {
    const cbs = this.bgCallbacks;
    this.bgCallbacks = [];
    for (const cb of cbs) cb(ok);
  }

  /** killRDBChild: stops a BGSAVE in progress and removes its temp file. */
  killBgsave(log = true): void {
    const snap = this.bg;
    if (snap === null) return;
    if (log) this.server.log.notice('Background saving aborted');
    snap.abort();
    this.bg = null;
    if (this.bgTimer !== null) clearImmediate(this.bgTimer);
    this.bgTimer = null;
    if (this.bgFd !== -1) {
      try {
        closeSync(this.bgFd);
      } catch {
        /* closed by the fsync path */
      }
    }
    this.bgFd = -1;
    try {
      unlinkSync(this.bgTmp);
    } catch {
      /* gone */
    }
    if (log) this.fireCallbacks(false);
  }

  /** serverCron's part: save points and a scheduled BGSAVE. */
  cron(): void {
    // One background job at a time, as Redis's single child (the AOF rewrite is the other).
    if (this.bg !== null || this.server.aof.rewriteInProgress) return;
    const s = this.server;
    const now = Math.floor(s.clock() / 1000);
    const retryOk = now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatusOk;
    if (this.bgsaveScheduled && retryOk) {
      this.startBgsave();
      return;
    }
    if (s.dirty === 0) return;
    for (const sp of this.savePoints()) {
      if (s.dirty >= sp.changes && now - s.lastSaveTime > sp.seconds && retryOk) {
        s.log.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
        this.startBgsave();
        break;
      }
    }
  }

  /** FLUSHALL (flushAllDataAndResetRDB): the snapshot is dropped, and saved again when save points exist. */
  beforeFlushAll(): void {
    this.killBgsave();
  }

  afterFlushAll(): void {
    if (this.savePoints().length > 0) this.saveSync();
  }

  /** SHUTDOWN / SIGTERM: kill a BGSAVE and save synchronously when asked. */
  onShutdown(save: boolean): string | null {
    if (this.bg !== null) {
      this.server.log.warning('There is a child saving an .rdb. Killing it!');
      this.killBgsave();
    }
    if (!save) return null;
    return this.saveSync() ? null : 'save failed';
  }

  /** Commands without the `loading` flag are refused with -LOADING (dispatcher). */
  get loading(): boolean {
    return this.loadingState !== null && !this.replaying;
  }

  /** Startup loading has not finished (the dataset is partial: nothing may be saved from it). */
  get loadingInProgress(): boolean {
    return this.loadingState !== null;
  }

  /** startLoading: INFO reports loading:1 and its progress until stopLoading. */
  startLoading(total: number, loaded: () => number, usedMem: () => number = () => 0): void {
    this.loadingState = { start: Math.floor(Date.now() / 1000), total, loaded, usedMem };
  }

  stopLoading(): void {
    this.loadingState = null;
  }

  /**
   * Runs `step(deadline)` in slices of ~10 ms (or loading-process-events-interval-bytes of
   * input, whichever the step checks) until it returns true; clients are served between
   * slices, as Redis's processEventsWhileBlocked during loading.
   */
  runSliced(step: (deadline: number) => boolean, onSlice?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const tick = (): void => {
        // Closed (SHUTDOWN, close()) while loading: the rest is never loaded.
        if (this.server.isClosing()) {
          reject(new LoadAbortedError('closed while loading'));
          return;
        }
        try {
          if (step(performance.now() + 10)) {
            resolve();
            return;
          }
          onSlice?.();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        setImmediate(tick);
      };
      tick();
    });
  }

  /**
   * Loads `dbfilename` at startup when it exists, while the server already accepts
   * connections (answering -LOADING): read in chunks, loaded in time slices. Rejects with
   * RdbError (already logged) when the file is corrupt: the caller exits.
   */
  async loadAtStartup(): Promise<void> {
    const path = this.path();
    if (!existsSync(path)) return;
    const s = this.server;
    const t0 = performance.now();
    let fd: number;
    let total: number;
    try {
      fd = openSync(path, 'r');
      total = fstatSync(fd).size;
    } catch (e) {
      s.log.warning(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
      throw new RdbError(errText(e));
    }
    let off = 0;
    const read = (max: number): Buffer | null => {
      const n = Math.min(max, total - off);
      if (n <= 0) return null;
      const b = Buffer.allocUnsafe(n);
      const got = readSync(fd, b, 0, n, off);
      off += got;
      return got === n ? b : b.subarray(0, got);
    };
    const loader = new RdbLoader(s, read(4 << 20) ?? Buffer.alloc(0), {
      checksum: s.config.bool('rdbchecksum'),
      readMore: read,
      keyDelayUs: s.config.num('key-load-delay'),
      totalBytes: total,
    });
    this.startLoading(
      total,
      () => loader.pos,
      () => loader.usedMem,
    );
    let lastLog = t0;
    try {
      await this.runSliced(
        (deadline) => loader.step(deadline),
        () => {
          const now = performance.now();
          if (now - lastLog < 1000) return;
          lastLog = now;
          const secs = (now - t0) / 1000;
          s.log.notice(
            `Loading RDB: ${((loader.pos / total) * 100).toFixed(2)}% (${loader.res.keysLoaded} keys, ${(loader.pos / 1048576 / secs).toFixed(1)} MB/s)`,
          );
        },
      );
      this.loaded(loader.res, t0, true);
    } catch (e) {
      this.logLoadError(e);
      throw e;
    } finally {
      this.stopLoading();
      closeSync(fd);
    }
  }

  private loaded(res: LoadResult, t0: number, startup: boolean): void {
    const s = this.server;
    this.lastLoadKeysLoaded = res.keysLoaded;
    this.lastLoadKeysExpired = res.keysExpired;
    this.functionLibraries = res.functions;
    s.log.notice(`Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`);
    if (startup) s.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
  }

  private logLoadError(e: unknown): void {
    const s = this.server;
    if (!(e instanceof RdbError)) return;
    const msg = e.message;
    if (msg === 'Short read') {
      s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
    } else if (
      msg.startsWith('Wrong signature') ||
      msg.startsWith("Can't handle") ||
      msg.startsWith('Wrong RDB checksum') ||
      msg.startsWith('FATAL')
    ) {
      s.log.warning(msg);
    } else {
      s.log.warning(`Internal error in RDB reading: ${msg}`);
    }
    s.log.warning('Fatal error loading the DB: Invalid argument. Exiting.');
  }

  /** rdbLoad of a file into the (empty) databases; logs like Redis. */
  loadFile(path: string, startup: boolean, allowDup = false): void {
    const s = this.server;
    const t0 = performance.now();
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (e) {
      s.log.warning(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
      throw new RdbError(errText(e));
    }
    const total = buf.length;
    let lastLog = t0;
    try {
      const res = loadRdbBuffer(s, buf, {
        checksum: s.config.bool('rdbchecksum'),
        allowDup,
        progress: (pos, keys) => {
          const now = performance.now();
          if (now - lastLog < 1000) return;
          lastLog = now;
          const secs = (now - t0) / 1000;
          s.log.notice(
            `Loading RDB: ${((pos / total) * 100).toFixed(2)}% (${keys} keys, ${(pos / 1048576 / secs).toFixed(1)} MB/s)`,
          );
        },
      });
      this.lastLoadKeysLoaded = res.keysLoaded;
      this.lastLoadKeysExpired = res.keysExpired;
      this.functionLibraries = res.functions;
      s.log.notice(`Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`);
      if (startup)
        s.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    } catch (e) {
      this.logLoadError(e);
      throw e;
    }
  }

  /** INFO persistence's loading block, after the AOF fields (as Redis), while loading. */
  loadingInfoFields(): string {
    const st = this.loadingState;
    if (st === null) return '';
    const loaded = st.loaded();
    const perc = (loaded / (st.total + 1)) * 100;
    const elapsed = Math.floor(Date.now() / 1000) - st.start;
    const eta = elapsed === 0 ? 1 : Math.floor((elapsed * (st.total - loaded)) / (loaded + 1));
    return (
      `loading_start_time:${st.start}\r\n` +
      `loading_total_bytes:${st.total}\r\n` +
      `loading_rdb_used_mem:${st.usedMem()}\r\n` +
      `loading_loaded_bytes:${loaded}\r\n` +
      `loading_loaded_perc:${perc.toFixed(2)}\r\n` +
      `loading_eta_seconds:${eta}\r\n`
    );
  }

  /** The RDB part of INFO persistence. */
  infoFields(): string {
    const s = this.server;
    const bg = this.bg;
    const cur = bg !== null ? Math.floor((performance.now() - this.bgStart) / 1000) : -1;
    return (
      `loading:${this.loadingState !== null ? 1 : 0}\r\n` +
      'async_loading:0\r\n' +
      'current_cow_peak:0\r\n' +
      'current_cow_size:0\r\n' +
      'current_cow_size_age:0\r\n' +
      'current_fork_perc:0.00\r\n' +
      `current_save_keys_processed:${bg !== null ? bg.keysWritten : 0}\r\n` +
      `current_save_keys_total:${bg !== null ? bg.keysTotal : 0}\r\n` +
      `rdb_changes_since_last_save:${s.dirty}\r\n` +
      `rdb_bgsave_in_progress:${bg !== null ? 1 : 0}\r\n` +
      `rdb_last_save_time:${s.lastSaveTime}\r\n` +
      `rdb_last_bgsave_status:${this.lastBgsaveStatusOk ? 'ok' : 'err'}\r\n` +
      `rdb_last_bgsave_time_sec:${this.lastBgsaveTimeSec}\r\n` +
      `rdb_current_bgsave_time_sec:${cur}\r\n` +
      `rdb_saves:${this.rdbSaves}\r\n` +
      'rdb_last_cow_size:0\r\n' +
      `rdb_last_load_keys_expired:${this.lastLoadKeysExpired}\r\n` +
      `rdb_last_load_keys_loaded:${this.lastLoadKeysLoaded}\r\n`
    );
  }
}
