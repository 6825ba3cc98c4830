/**
 * LOLWUT art (Respite's own renditions): version 5 draws Georg Nees's "Schotter" — a column
 * of squares that fall into growing disorder — and version 6 a night skyline, both on a
 * canvas printed with Unicode braille characters (2x4 pixels per character). The closing
 * credit lines are Redis's.
 */
import type { Client } from '../server/client.js';
import { REDIS_VERSION } from '../server/server.js';
import { parseInt64 } from '../util/numbers.js';
import { ERR_NOT_INTEGER } from './util.js';

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height);
  }

  set(x: number, y: number): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels[y * this.width + x] = 1;
  }

  line(x0: number, y0: number, x1: number, y1: number): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) this.set(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps);
  }

  /** Braille rendering: one character per 2x4 pixel cell, UTF-8 bytes as a latin1 string. */
  render(): string {
    const bits = [
      [0x01, 0x08],
      [0x02, 0x10],
      [0x04, 0x20],
      [0x40, 0x80],
    ];
    let text = '';
    for (let y = 0; y < this.height; y += 4) {
      for (let x = 0; x < this.width; x += 2) {
        let code = 0;
        for (let dy = 0; dy < 4; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const px = x + dx;
            const py = y + dy;
            if (px < this.width && py < this.height && this.pixels[py * this.width + px])
              code |= bits[dy][dx];
          }
        }
        text += String.fromCodePoint(0x2800 + code);
      }
      text += '\n';
    }
    return Buffer.from(text, 'utf8').toString('latin1');
  }
}

/** Parses optional integer arguments at argv[1..]; replies and returns null on a bad one. */
function intArgs(c: Client, argv: string[], defaults: number[], limits: [number, number][]): number[] | null {
  const out = defaults.slice();
  for (let i = 0; i < defaults.length && i + 1 < argv.length; i++) {
    const v = parseInt64(argv[i + 1]);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return null;
    }
    out[i] = Math.min(limits[i][1], Math.max(limits[i][0], Number(v)));
  }
  return out;
}

/** LOLWUT VERSION 5 [cols [squares-per-row [squares-per-col]]] */
export function lolwut5(c: Client, argv: string[]): void {
  const a = intArgs(
    c,
    argv,
    [66, 8, 12],
    [
      [1, 1000],
      [1, 200],
      [1, 200],
    ],
  );
  if (a === null) return;
  const [cols, perRow, perCol] = a;
  const width = cols * 2;
  const side = width / (perRow + 2);
  const canvas = new Canvas(width, Math.ceil(side * (perCol + 2)));
  for (let r = 0; r < perCol; r++) {
    const disorder = r / perCol;
    for (let q = 0; q < perRow; q++) {
      const cx = side * (q + 1.5) + (Math.random() - 0.5) * side * disorder;
      const cy = side * (r + 1.5) + (Math.random() - 0.5) * side * disorder;
      const angle = (Math.random() - 0.5) * (Math.PI / 2) * disorder;
      const h = side / 2;
      const corners = [
        [-h, -h],
        [h, -h],
        [h, h],
        [-h, h],
      ].map(([x, y]) => [
        cx + x * Math.cos(angle) - y * Math.sin(angle),
        cy + x * Math.sin(angle) + y * Math.cos(angle),
      ]);
      for (let k = 0; k < 4; k++) {
        const [x0, y0] = corners[k];
        const [x1, y1] = corners[(k + 1) % 4];
        canvas.line(x0, y0, x1, y1);
      }
    }
  }
  c.out.verbatim(
    canvas.render() + `\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`,
  );
}

/** LOLWUT VERSION 6 [cols [rows]]: a skyline under the stars. */
export function lolwut6(c: Client, argv: string[]): void {
  const a = intArgs(
    c,
    argv,
    [80, 20],
    [
      [1, 1000],
      [1, 1000],
    ],
  );
  if (a === null) return;
  const [cols, rows] = a;
  const canvas = new Canvas(cols * 2, rows * 4);
  const w = canvas.width;
  const h = canvas.height;
  for (let i = 0; i < (w * h) / 120; i++) canvas.set(Math.random() * w, Math.random() * h * 0.4);
  let x = 0;
  while (x < w) {
    const bw = 6 + Math.floor(Math.random() * 10);
    const top = h - Math.floor(h * (0.2 + Math.random() * 0.6));
    for (let y = top; y < h; y++) {
      canvas.set(x, y);
      canvas.set(x + bw - 1, y);
    }
    canvas.line(x, top, x + bw - 1, top);
    for (let wy = top + 3; wy < h - 2; wy += 4) {
      for (let wx = x + 2; wx < x + bw - 2; wx += 3) if (Math.random() < 0.45) canvas.set(wx, wy);
    }
    x += bw + 1;
  }
  c.out.verbatim(
    canvas.render() +
      '\nDedicated to the 8 bit game developers of past and present.\n' +
      `Original 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
  );
}
