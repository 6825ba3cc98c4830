/**
 * Redis-style log lines: `pid:M 25 Nov 2026 22:21:58.123 * message`, with Redis's level
 * marks (`.` debug, `-` verbose, `*` notice, `#` warning), `loglevel` and `logfile`
 * (empty = standard output).
 */
import { appendFileSync } from 'node:fs';

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export class Logger {
  level = 2;
  file = '';
  /** Silences all output (embedded servers default to this unless asked). */
  quiet = false;
  role = 'M';

  setLevel(name: string): void {
    const i = LOG_LEVELS.indexOf(name as LogLevel);
    if (i >= 0) this.level = i;
  }

  log(level: number, msg: string): void {
    if (this.quiet || level < this.level) return;
    const d = new Date();
    const line =
      `${process.pid}:${this.role} ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ` +
      `${MARKS[level]} ${msg}\n`;
    if (this.file) {
      try {
        appendFileSync(this.file, line);
      } catch {
        process.stdout.write(line);
      }
    } else process.stdout.write(line);
  }

  debug(msg: string): void {
    this.log(0, msg);
  }
  verbose(msg: string): void {
    this.log(1, msg);
  }
  notice(msg: string): void {
    this.log(2, msg);
  }
  warning(msg: string): void {
    this.log(3, msg);
  }
}
