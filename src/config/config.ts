/**
 * Config: the typed values of the option table (options.ts), set from defaults, the config
 * file, command-line arguments and CONFIG SET.
 */
import { OPTIONS, OPTION_BY_NAME, type OptionDef } from './options.js';
import { splitArgs } from '../protocol/parser.js';

function configError(lineNo: number, line: string, msg: string): string {
  return `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${lineNo}\n>>> '${line}'\n${msg}`;
}

export type ConfigValue = string | number | boolean;

/** Parses Redis memory notation: 1k=1000, 1kb=1024, 1m, 1mb, 1g, 1gb (memtoull). */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mul: Record<string, number> = {
    '': 1,
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 * 1000,
    mb: 1024 * 1024,
    g: 1000 * 1000 * 1000,
    gb: 1024 * 1024 * 1024,
  };
  const v = n * mul[unit];
  return Number.isSafeInteger(v) ? v : null;
}

/** Validates and converts raw arguments to an option's typed value, or returns an error text. */
export function parseOptionValue(def: OptionDef, args: string[]): { value: ConfigValue } | { error: string } {
  if (def.type === 'custom') return def.parse!(args);
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const a = args[0];
  switch (def.type) {
    case 'bool': {
      const l = a.toLowerCase();
      if (l === 'yes') return { value: true };
      if (l === 'no') return { value: false };
      return { error: "argument must be 'yes' or 'no'" };
    }
    case 'int':
    case 'memory': {
      const v = def.type === 'memory' ? parseMemory(a) : /^-?\d+$/.test(a) ? Number(a) : null;
      if (v === null || !Number.isSafeInteger(v))
        return { error: "argument couldn't be parsed into an integer" };
      if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
        return { error: `argument must be between ${def.min} and ${def.max} inclusive` };
      }
      return { value: v };
    }
    case 'enum': {
      const l = a.toLowerCase();
      if (!def.enumValues!.includes(l))
        return { error: `argument(s) must be one of the following: ${def.enumValues!.join(', ')}` };
      return { value: l };
    }
    case 'string':
      return { value: a };
  }
}

/** Formats a typed value as CONFIG GET shows it. */
export function formatOptionValue(def: OptionDef, v: ConfigValue): string {
  if (def.type === 'bool') return v ? 'yes' : 'no';
  return String(v);
}

export class Config {
  private values = new Map<string, ConfigValue>();
  private listeners = new Map<string, ((v: ConfigValue) => void)[]>();

  constructor() {
    for (const def of OPTIONS) {
      const r = parseOptionValue(def, def.type === 'custom' ? [def.default] : [def.default]);
      if ('error' in r) throw new Error(`bad default for ${def.name}: ${r.error}`);
      this.values.set(def.name, r.value);
    }
  }

  static def(name: string): OptionDef | undefined {
    return OPTION_BY_NAME.get(name.toLowerCase());
  }

  get(name: string): ConfigValue {
    const def = OPTION_BY_NAME.get(name);
    if (!def) throw new Error(`unknown config option ${name}`);
    return this.values.get(def.name)!;
  }

  num(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return String(this.get(name));
  }

  /**
   * Loads config-file text (redis.conf syntax). Returns Redis's fatal error text naming the
   * offending line, or null.
   */
  loadText(text: string, _file?: string): string | null {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const args = splitArgs(line);
      if (args === null || args.length === 0)
        return configError(i + 1, line, 'Unbalanced quotes in configuration line');
      const err = this.set(args[0], args.slice(1));
      if (err) return configError(i + 1, line, err);
    }
    return null;
  }

  /** Sets an option from raw arguments; returns an error text or null. */
  set(name: string, args: string[]): string | null {
    const def = OPTION_BY_NAME.get(name.toLowerCase());
    if (!def) return 'Bad directive or wrong number of arguments';
    const r = parseOptionValue(def, args);
    if ('error' in r) return r.error;
    this.setValue(def.name, r.value);
    return null;
  }

  /** Sets an already-validated typed value and notifies listeners. */
  setValue(name: string, v: ConfigValue): void {
    this.values.set(name, v);
    const ls = this.listeners.get(name);
    if (ls) for (const f of ls) f(v);
  }

  /** Calls fn whenever the option changes (CONFIG SET), e.g. to refresh a cached field. */
  onChange(name: string, fn: (v: ConfigValue) => void): void {
    const def = OPTION_BY_NAME.get(name)!;
    const ls = this.listeners.get(def.name) ?? [];
    ls.push(fn);
    this.listeners.set(def.name, ls);
  }

  /** The typed values (canonical names), for CONFIG GET and REWRITE. */
  entries(): IterableIterator<[string, ConfigValue]> {
    return this.values.entries();
  }
}
