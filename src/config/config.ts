/**
 * Config: the typed values of the option table (options.ts), set from defaults, the config
 * file (redis.conf syntax), command-line arguments and CONFIG SET, with Redis 7.0's exact
 * parsing rules and error texts (config.c loadServerConfigFromString, configSetCommand,
 * configGetCommand).
 */
import { openSync, closeSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve, join, isAbsolute } from 'node:path';
import { OPTIONS, OPTION_BY_NAME, OPTION_NAMES, type OptionDef } from './options.js';
import { formatNumeric, parseNumeric } from './numeric.js';
import { strerror, type SpecialContext } from './special.js';
import { splitArgs } from '../protocol/parser.js';
import { stringmatch } from './stringmatch.js';

export { parseMemory, memtoull } from './numeric.js';

export const REDIS_VERSION_FOR_ERRORS = '7.0.15';

export type ConfigValue = string | number | bigint | boolean;

/** A fatal error while loading configuration: the CLI prints `text` and exits with code 1. */
export class ConfigFileError extends Error {
  constructor(
    /** What redis-server prints (to stderr for FATAL CONFIG FILE ERROR blocks). */
    readonly text: string,
    /** True when Redis reports it as a log line rather than a FATAL block. */
    readonly isLogLine = false,
  ) {
    super(text.trim());
  }
}

/** Directives that are not options: the server decides what they do. */
export interface DirectiveHooks {
  /** `rename-command old new` (new may be ""): returns an error text or null. */
  renameCommand?(from: string, to: string): string | null;
  /** `user name rules...` (the whole line): validates it for the ACL; returns an error text or null. */
  user?(argv: string[]): string | null;
  /**
   * CONFIG REWRITE: the `user` lines describing the current users, or null when users live in
   * an ACL file (then the file's `user` lines are dropped).
   */
  userLines?(): string[] | null;
}

function fatal(lineNo: number | null, line: string, msg: string): ConfigFileError {
  let s = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION_FOR_ERRORS}) ***\n`;
  if (lineNo !== null) s += `Reading the configuration file, at line ${lineNo}\n>>> '${line}'\n`;
  return new ConfigFileError(s + msg + '\n');
}

const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);
const CONFIG_MIN_HZ = 1;
const CONFIG_MAX_HZ = 500;

/** Trims like sdstrim(s, " \t\r\n"). */
function trimConfigLine(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

export class Config {
  private values = new Map<string, ConfigValue>();
  private listeners = new Map<string, ((v: ConfigValue, old: ConfigValue) => void)[]>();
  /** Set while a config file is being read (Redis's reading_config_file). */
  readingConfigFile = false;
  private saveLoaded = false;
  /** `user` directives, in order, for the ACL subsystem. */
  readonly users: string[][] = [];
  /** `loadmodule` directives (Respite cannot load Redis modules; the CLI refuses them). */
  readonly loadModules: string[][] = [];
  /** Module options (`name.option value`) from the config file. */
  readonly moduleConfigs = new Map<string, string>();
  /** `sentinel` alone in a config file (Sentinel mode). */
  sentinelMode = false;
  hooks: DirectiveHooks = {};
  /** notify-keyspace-events as NOTIFY_* bits (set by its parser; see SpecialContext). */
  keyspaceEventFlags = 0;
  /** The config file's path (absolute), if any: CONFIG REWRITE writes it. */
  configFile = '';

  constructor(opts: { cwd?: string } = {}) {
    for (const def of OPTIONS) this.values.set(def.name, defaultValue(def));
    this.values.set('dir', opts.cwd ?? process.cwd());
  }

  static def(name: string): OptionDef | undefined {
    return OPTION_BY_NAME.get(name.toLowerCase());
  }

  // ---- Typed access ---------------------------------------------------------------------
  get(name: string): ConfigValue {
    let def = OPTION_BY_NAME.get(name);
    if (def === undefined) def = OPTION_BY_NAME.get(name.toLowerCase());
    if (def === undefined) throw new Error(`unknown config option ${name}`);
    return this.values.get(def.name)!;
  }

  /** A numeric option as a JS number (bigints beyond 2^53 are rounded). */
  num(name: string): number {
    const v = this.get(name);
    return typeof v === 'number' ? v : Number(v);
  }

  bool(name: string): boolean {
    return this.get(name) === true;
  }

  /** String, enum and special options as CONFIG GET shows them; others converted. */
  str(name: string): string {
    const v = this.get(name);
    return typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  }

  /** The value as CONFIG GET shows it. */
  formatted(name: string): string {
    const def = Config.def(name)!;
    return formatValue(def, this.values.get(def.name)!);
  }

  /** True when the option has its default value. */
  isDefault(name: string): boolean {
    const def = Config.def(name)!;
    return this.formatted(def.name) === formatValue(def, defaultValue(def));
  }

  /** Resolves a path from the config against `dir` (Redis resolves against its cwd, which is `dir`). */
  resolvePath(p: string): string {
    return resolve(this.str('dir'), p);
  }

  // ---- Setting ----------------------------------------------------------------------------
  private specialContext(def: OptionDef, current: ConfigValue): SpecialContext {
    return {
      current: String(current),
      readingConfigFile: this.readingConfigFile,
      saveLoaded: this.saveLoaded,
      markSaveLoaded: () => (this.saveLoaded = true),
      cwd: this.str('dir'),
      setKeyspaceEventFlags: (f) => (this.keyspaceEventFlags = f),
    };
  }

  /** Validates raw arguments for an option; `current` is the value they update (for partial options). */
  parseValue(
    def: OptionDef,
    args: string[],
    current?: ConfigValue,
  ): { value: ConfigValue } | { error: string } {
    const cur = current ?? this.values.get(def.name)!;
    switch (def.type) {
      case 'bool': {
        const l = args[0].toLowerCase();
        if (l !== 'yes' && l !== 'no') return { error: "argument must be 'yes' or 'no'" };
        const v = l === 'yes';
        const err = def.validate?.(v);
        return err ? { error: err } : { value: v };
      }
      case 'numeric': {
        const r = parseNumeric(def, args[0]);
        if ('error' in r) return r;
        const err = def.validate?.(r.value);
        return err ? { error: err } : r;
      }
      case 'string': {
        const err = def.validate?.(args[0]);
        return err ? { error: err } : { value: args[0] };
      }
      case 'enum': {
        const values = def.enumValues!;
        const find = (w: string) => values.find(([n]) => n === w.toLowerCase());
        const enumError = {
          error: `argument(s) must be one of the following: ${values.map(([n]) => n).join(', ')}`,
        };
        let v: string;
        if (def.flagsEnum) {
          let bits = 0;
          for (const w of args) {
            const e = find(w);
            if (!e) return enumError;
            bits |= e[1];
          }
          v = formatFlagsEnum(def, bits);
        } else {
          const e = find(args[0]);
          if (!e) return enumError;
          v = values.find(([, n]) => n === e[1])![0];
        }
        const err = def.validate?.(v);
        return err ? { error: err } : { value: v };
      }
      case 'special':
        return def.parse!(args, this.specialContext(def, cur));
    }
  }

  /** Sets an option from raw arguments as in a config file line; returns an error text or null. */
  set(name: string, args: string[]): string | null {
    const def = Config.def(name);
    if (!def) return 'Bad directive or wrong number of arguments';
    if (!def.multiArg && args.length !== 1) return 'wrong number of arguments';
    const r = this.parseValue(def, args);
    if ('error' in r) return r.error;
    this.setValue(def.name, r.value);
    return null;
  }

  /** Sets an already-validated typed value and notifies listeners when it changed. */
  setValue(name: string, v: ConfigValue): void {
    const def = Config.def(name)!;
    const old = this.values.get(def.name)!;
    this.values.set(def.name, v);
    if (old === v) return;
    const ls = this.listeners.get(def.name);
    if (ls) for (const f of ls) f(v, old);
  }

  /** Calls fn whenever the option changes (CONFIG SET), e.g. to refresh a cached field. */
  onChange(name: string, fn: (v: ConfigValue, old: ConfigValue) => void): void {
    const def = Config.def(name)!;
    const ls = this.listeners.get(def.name) ?? [];
    ls.push(fn);
    this.listeners.set(def.name, ls);
  }

  /** The typed values (canonical names). */
  entries(): IterableIterator<[string, ConfigValue]> {
    return this.values.entries();
  }

  // ---- CONFIG GET ----------------------------------------------------------------------------
  /**
   * Redis's configGetCommand: exact names are looked up case-insensitively (hidden options
   * included) and echoed as given; glob patterns match every listed name and alias.
   */
  getMatching(patterns: string[]): [string, string][] {
    const matches = new Map<string, [string, OptionDef]>();
    for (const p of patterns) {
      if (!/[[*?]/.test(p)) {
        const key = p.toLowerCase();
        if (matches.has(key)) continue;
        const def = OPTION_BY_NAME.get(key);
        if (def) matches.set(key, [p, def]);
        continue;
      }
      for (const name of OPTION_NAMES) {
        const def = OPTION_BY_NAME.get(name)!;
        if (def.hidden || matches.has(name)) continue;
        if (stringmatch(p, name, true)) matches.set(name, [name, def]);
      }
    }
    const out: [string, string][] = [];
    for (const [shown, def] of matches.values()) out.push([shown, this.formatted(def.name)]);
    return out;
  }

  // ---- CONFIG SET -----------------------------------------------------------------------------
  /**
   * Validates every `name value` pair before changing anything (all or nothing), with
   * Redis's error precedence and texts. On success the values are set and the changed
   * options are returned (their listeners have run).
   */
  setFromCommand(
    pairs: [string, string][],
    allowProtected: boolean,
  ): { error: string } | { changed: { def: OptionDef; old: ConfigValue; value: ConfigValue }[] } {
    let invalidArgName: string | null = null;
    let errstr: string | null = null;
    let errArg = '';
    let invalid = false;
    const defs: OptionDef[] = [];
    const keys: string[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const name = pairs[i][0];
      const key = name.toLowerCase();
      const def = OPTION_BY_NAME.get(key);
      if (!def) {
        if (!invalid) {
          invalidArgName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      if (!def.mutable || (def.protected && !allowProtected)) {
        errstr = !def.mutable ? "can't set immutable config" : "can't set protected config";
        errArg = name;
        invalid = true;
        continue;
      }
      if (keys.includes(key)) {
        errstr = 'duplicate parameter';
        errArg = name;
        invalid = true;
      }
      defs.push(def);
      keys.push(key);
    }
    if (invalid) {
      if (invalidArgName !== null)
        return { error: `ERR Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'` };
      return { error: `ERR CONFIG SET failed (possibly related to argument '${errArg}') - ${errstr}` };
    }
    // Parse every value first; an option given twice (through its alias) sees the earlier one.
    const staged = new Map<string, ConfigValue>();
    const parsed: ConfigValue[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const def = defs[i];
      const raw = pairs[i][1];
      const args = def.multiArg ? raw.split(' ') : [raw];
      const cur = staged.has(def.name) ? staged.get(def.name)! : this.values.get(def.name)!;
      const r = this.parseValue(def, args, cur);
      if ('error' in r)
        return { error: `ERR CONFIG SET failed (possibly related to argument '${keys[i]}') - ${r.error}` };
      staged.set(def.name, r.value);
      parsed.push(r.value);
    }
    const changed: { def: OptionDef; old: ConfigValue; value: ConfigValue }[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const def = defs[i];
      const old = this.values.get(def.name)!;
      if (formatValue(def, old) === formatValue(def, parsed[i])) continue;
      changed.push({ def, old, value: parsed[i] });
      this.setValue(def.name, parsed[i]);
    }
    return { changed };
  }

  // ---- Config file -------------------------------------------------------------------------------
  /**
   * Loads configuration text in redis.conf syntax (Redis's loadServerConfigFromString).
   * Throws ConfigFileError with Redis's fatal message naming the offending line.
   */
  loadText(text: string): void {
    this.readingConfigFile = true;
    const lines = text.split('\n');
    let i = 0;
    const fail = (msg: string) => fatal(i + 1, lines[i], msg);
    for (; i < lines.length; i++) {
      lines[i] = trimConfigLine(lines[i]);
      const line = lines[i];
      if (line === '' || line[0] === '#') continue;
      const argv = splitArgs(line);
      if (argv === null) throw fail('Unbalanced quotes in configuration line');
      if (argv.length === 0) continue;
      const name = argv[0].toLowerCase();
      const argc = argv.length;
      const def = OPTION_BY_NAME.get(name);
      if (def) {
        if (!def.multiArg && argc !== 2) throw fail('wrong number of arguments');
        // A multi-argument option given as one non-empty argument is split like a line:
        // `--save "3600 1"` works as `save 3600 1` (Redis 7.0).
        const args =
          def.multiArg && argc === 2 && argv[1] !== '' ? (splitArgs(argv[1]) ?? []) : argv.slice(1);
        const r = this.parseValue(def, args);
        if ('error' in r) throw fail(r.error);
        this.setValue(def.name, r.value);
        continue;
      }
      if (DEPRECATED.has(name) && argc === 2) continue;
      if (name === 'include' && argc === 2) {
        this.loadFile(argv[1]);
      } else if (name === 'rename-command' && argc === 3) {
        const err = this.hooks.renameCommand?.(argv[1], argv[2]) ?? null;
        if (err) throw fail(err);
      } else if (name === 'user' && argc >= 2) {
        const err = this.hooks.user?.(argv) ?? null;
        if (err) throw fail(err);
        this.users.push(argv.slice(1));
      } else if (name === 'loadmodule' && argc >= 2) {
        this.loadModules.push(argv.slice(1));
      } else if (name.includes('.')) {
        if (argc !== 2) throw fail('Module config specified without value');
        this.moduleConfigs.set(argv[0], argv[1]);
      } else if (name === 'sentinel') {
        if (argc !== 1) throw fail('sentinel directive while not in sentinel mode');
        this.sentinelMode = true;
      } else {
        throw fail('Bad directive or wrong number of arguments');
      }
    }
    const logfile = this.str('logfile');
    if (logfile !== '') {
      // Fail now rather than lose log lines later, as Redis does.
      try {
        closeSync(openSync(this.resolvePath(logfile), 'a'));
      } catch (e) {
        throw fatal(null, '', `Can't open the log file: ${strerror(e)}`);
      }
    }
    if (this.bool('cluster-enabled') && this.str('replicaof') !== '')
      throw fatal(null, '', 'replicaof directive not allowed in cluster mode');
    const hz = this.num('hz');
    if (hz < CONFIG_MIN_HZ) this.values.set('hz', CONFIG_MIN_HZ);
    if (hz > CONFIG_MAX_HZ) this.values.set('hz', CONFIG_MAX_HZ);
    this.readingConfigFile = false;
  }

  /** Reads a config file (glob patterns allowed, as in `include`) and loads it. */
  loadFile(path: string): void {
    this.loadText(readConfigFiles(path, this.str('dir')));
  }
}

/**
 * The content of a config file, or of every file a glob pattern matches (none is fine).
 * Relative paths are resolved against `cwd`.
 */
export function readConfigFiles(path: string, cwd: string): string {
  const files = /[*?[]/.test(path) ? globFiles(path, cwd) : [path];
  let text = '';
  for (const f of files) {
    try {
      text += readFileSync(resolve(cwd, f), 'latin1');
    } catch (e) {
      throw new ConfigFileError(`Fatal error, can't open config file '${f}': ${strerror(e)}`, true);
    }
  }
  return text;
}

/** glob(3) without flags: wildcards in any path component, sorted, no hidden files. */
function globFiles(pattern: string, cwd: string): string[] {
  const abs = isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let bases = [abs ? '/' : ''];
  for (let i = abs ? 1 : 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(part)) {
        next.push(base === '' ? part : join(base, part));
        continue;
      }
      let entries: string[];
      try {
        entries = readdirSync(resolve(cwd, base === '' ? '.' : base));
      } catch {
        continue;
      }
      for (const e of entries.sort()) {
        if (e.startsWith('.') && !part.startsWith('.')) continue;
        if (stringmatch(part, e, false)) next.push(base === '' ? e : join(base, e));
      }
    }
    bases = next;
  }
  // Only names that exist are matches.
  return bases.filter((b) => existsSync(resolve(cwd, b)));
}

/** The typed default of an option. */
export function defaultValue(def: OptionDef): ConfigValue {
  switch (def.type) {
    case 'bool':
      return def.default === 'yes';
    case 'numeric': {
      const r = parseNumeric(def, def.default);
      if ('error' in r) throw new Error(`bad default for ${def.name}: ${r.error}`);
      return r.value;
    }
    default:
      return def.default;
  }
}

/** CONFIG GET text of a typed value. */
export function formatValue(def: OptionDef, v: ConfigValue): string {
  if (def.type === 'bool') return v ? 'yes' : 'no';
  if (def.type === 'numeric') return formatNumeric(def, v as number | bigint);
  return String(v);
}

function formatFlagsEnum(def: OptionDef, bits: number): string {
  const names: string[] = [];
  for (const [n, v] of def.enumValues!) if (v !== 0 && (bits & v) === v) names.push(n);
  return names.length > 0 ? names.join(' ') : def.enumValues!.find(([, v]) => v === 0)![0];
}

/** A flags enum option's value as bits (shutdown-on-sigterm). */
export function flagsEnumBits(def: OptionDef, value: string): number {
  let bits = 0;
  for (const w of value.split(' ')) bits |= def.enumValues!.find(([n]) => n === w)?.[1] ?? 0;
  return bits;
}
