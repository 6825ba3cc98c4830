/**
 * Micro-benchmark of the RESP hot path: request parsing and reply encoding, in-process, no
 * sockets. Usage (after `npx tsc -p .`): node dist/bench/protocol.js
 *
 * - parse: pipelined SET/GET multibulk and inline requests, commands per second;
 * - big bulk: one 100 MB argument arriving in 64 KB reads (must scale linearly);
 * - write: bulk/integer/array headers written digit by digit (ReplyWriter) against the
 *   string-concatenation encoding it replaced (baseline below), replies per second.
 */
import { RequestParser } from '../src/protocol/parser.js';
import { ReplyWriter } from '../src/protocol/writer.js';

function time(label: string, ops: number, f: () => void, rounds = 5): number {
  f(); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    f();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < best) best = ms;
  }
  const rate = (ops / best) * 1000;
  console.log(
    `${label.padEnd(44)} ${best.toFixed(1).padStart(8)} ms  ${(rate / 1e6).toFixed(2).padStart(7)} M/s`,
  );
  return rate;
}

function enc(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

// ---- parser ---------------------------------------------------------------------------
const N = 200000;
let pipeline = '';
for (let i = 0; i < N; i++)
  pipeline += i & 1 ? enc('GET', `key:${i}`) : enc('SET', `key:${i}`, `value-${i}-xxxxxxxx`);
const pipelineBuf = Buffer.from(pipeline, 'latin1');
let inline = '';
for (let i = 0; i < N; i++) inline += `SET key:${i} value-${i}\r\n`;
const inlineBuf = Buffer.from(inline, 'latin1');

function parseIn(buf: Buffer, chunk: number): number {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, authRequired: false });
  let n = 0;
  for (let off = 0; off < buf.length; off += chunk) {
    p.feed(buf.subarray(off, off + chunk));
    while (p.next() !== null) n++;
  }
  return n;
}

console.log('# parser');
time('multibulk SET/GET, 64 KB reads', N, () => parseIn(pipelineBuf, 65536));
time('multibulk SET/GET, 1 KB reads', N, () => parseIn(pipelineBuf, 1024));
time('inline SET, 64 KB reads', N, () => parseIn(inlineBuf, 65536));

const BIG = 100 * 1024 * 1024;
const bigFrame = Buffer.concat([
  Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${BIG}\r\n`),
  Buffer.alloc(BIG, 0x61),
  Buffer.from('\r\n'),
]);
const t0 = process.hrtime.bigint();
parseIn(bigFrame, 65536);
console.log(
  `${'100 MB bulk in 64 KB reads'.padEnd(44)} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1).padStart(8)} ms`,
);

// ---- writer -----------------------------------------------------------------------------
/** The previous encoding: build the header as a string, then encode it (baseline). */
class ConcatWriter extends ReplyWriter {
  override bulk(s: string): void {
    const n = s.length;
    this.ensure(n + 16);
    let p = this.pos;
    p += this.buf.latin1Write('$' + n + '\r\n', p);
    p += this.buf.latin1Write(s, p);
    this.buf[p++] = 13;
    this.buf[p++] = 10;
    this.pos = p;
  }
  override integer(n: number | bigint): void {
    this.raw(':' + String(n) + '\r\n');
  }
  override array(n: number): void {
    this.raw('*' + n + '\r\n');
  }
  override ok(): void {
    this.ensure(5);
    this.pos += this.buf.latin1Write('+OK\r\n', this.pos);
  }
}

const values: string[] = [];
for (let i = 0; i < 1000; i++) values.push('v'.repeat(1 + (i % 60)));
const M = 1000 * 200;

function writeBulks(w: ReplyWriter): void {
  for (let r = 0; r < 200; r++) {
    for (let i = 0; i < 1000; i++) w.bulk(values[i]);
    w.pos = 0;
  }
}
function writeInts(w: ReplyWriter): void {
  for (let r = 0; r < 200; r++) {
    for (let i = 0; i < 1000; i++) w.integer(i * 7919 + r);
    w.pos = 0;
  }
}
function writeArrays(w: ReplyWriter): void {
  for (let r = 0; r < 200; r++) {
    for (let i = 0; i < 1000; i++) w.array(i);
    w.pos = 0;
  }
}
function writeOks(w: ReplyWriter): void {
  for (let r = 0; r < 200; r++) {
    for (let i = 0; i < 1000; i++) w.ok();
    w.pos = 0;
  }
}

console.log('# writer (new vs string-concatenation baseline)');
for (const [name, f] of [
  ['bulk 1-60 bytes', writeBulks],
  ['integer', writeInts],
  ['array header', writeArrays],
  ['+OK', writeOks],
] as [string, (w: ReplyWriter) => void][]) {
  const a = time(`${name}: ReplyWriter`, M, () => f(new ReplyWriter()));
  const b = time(`${name}: baseline`, M, () => f(new ConcatWriter()));
  console.log(`${''.padEnd(44)} ratio ${(a / b).toFixed(2)}x`);
}
