/**
 * Formatting of bench results as Markdown tables, and the update of docs/BENCHMARKS.md:
 * each mode owns the text between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`,
 * so the published figures are always the output of a real run.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, type MachineInfo } from './proc.js';

export const DOC_PATH = join(ROOT, 'docs', 'BENCHMARKS.md');

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function fmtNum(n: number | undefined, digits = 2): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** Respite/Redis as `1.23×`, or n/a. */
export function fmtRatio(respite: number | undefined, redis: number | undefined): string {
  if (
    respite === undefined ||
    redis === undefined ||
    !Number.isFinite(respite) ||
    !Number.isFinite(redis) ||
    redis <= 0
  )
    return 'n/a';
  return `${(respite / redis).toFixed(2)}×`;
}

export function fmtMB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
}

export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

export function machineLine(m: MachineInfo): string {
  return (
    `Run ${m.date} on commit \`${m.commit}\`: ${m.nproc} × ${m.cpu}, ${m.memGiB} GiB RAM, node ${m.node}, ` +
    `redis-server ${m.redis} (oracle); load average at start ${m.loadavg}.`
  );
}

const SKELETON = `# Benchmarks

(See the text below each section; the sections between markers are written by \`npm run bench\`.)
`;

/** Replaces (or appends) the section NAME of docs/BENCHMARKS.md with `body`. */
export async function updateDocSection(name: string, body: string): Promise<void> {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : SKELETON;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i !== -1 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else doc = doc.trimEnd() + '\n\n' + block + '\n';
  mkdirSync(dirname(DOC_PATH), { recursive: true });
  writeFileSync(DOC_PATH, await prettify(doc));
}

/** Formats the doc with the project's Prettier settings, so `prettier --check .` stays green. */
async function prettify(doc: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(DOC_PATH)) ?? {};
    return await prettier.format(doc, { ...config, filepath: DOC_PATH });
  } catch {
    return doc;
  }
}
