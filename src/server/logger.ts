/**
 * Redis-style log lines: `pid:M 25 Nov 2026 22:21:58.123 * message`, with Redis's level
 * marks (`.` debug, `-` verbose, `*` notice, `#` warning), `loglevel` and `logfile`
 * (empty = standard output). The role is `C` until the server is initialised, then `M`, as
 * in redis-server's log.
 */
import { appendFileSync } from 'node:fs';

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LL_DEBUG = 0;
export const LL_VERBOSE = 1;
export const LL_NOTICE = 2;
export const LL_WARNING = 3;
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export class Logger {
  level = LL_NOTICE;
  /** Absolute path of the log file; empty for standard output. */
  file = '';
  /** Silences all output (embedded servers default to this unless asked). */
  quiet = false;
  role = 'M';

  setLevel(name: string): void {
    const i = LOG_LEVELS.indexOf(name as LogLevel);
    if (i >= 0) this.level = i;
  }

  /** True when a message of this level would be written (to skip building costly messages). */
  enabled(level: number): boolean {
    return !this.quiet && level >= this.level;
  }

  log(level: number, msg: string): void {
    if (this.quiet || level < this.level) return;
    const d = new Date();
    this.write(
      `${process.pid}:${this.role} ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ` +
        `${MARKS[level]} ${msg}\n`,
    );
  }

  /** A line in the format Redis uses from signal handlers: `pid:signal-handler (unixtime) msg`. */
  signal(msg: string): void {
    if (this.quiet || LL_WARNING < this.level) return;
    this.write(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${msg}\n`);
  }

  private write(line: string): void {
    if (this.file) {
      try {
        appendFileSync(this.file, line);
        return;
      } catch {
        // Like Redis, a log file that cannot be opened loses the line; stdout is a better place.
      }
    }
    process.stdout.write(line);
  }

  debug(msg: string): void {
    this.log(LL_DEBUG, msg);
  }
  verbose(msg: string): void {
    this.log(LL_VERBOSE, msg);
  }
  notice(msg: string): void {
    this.log(LL_NOTICE, msg);
  }
  warning(msg: string): void {
    this.log(LL_WARNING, msg);
  }
}
