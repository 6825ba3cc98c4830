/**
 * Lua 5.1 lexer and parser to an AST with names resolved (locals get unique ids, so the
 * compiler can map them to JS variables). Syntax errors use Lua 5.1's message format:
 * `chunk:line: <msg> near '<token>'`.
 */
import { LuaError, str2number } from './value.js';

export type Expr =
  | { k: 'nil' | 'true' | 'false' | 'vararg'; line: number }
  | { k: 'num'; v: number; line: number }
  | { k: 'str'; v: string; line: number }
  | { k: 'func'; f: FuncState; line: number }
  | { k: 'local'; v: LocalVar; line: number }
  | { k: 'global'; name: string; line: number }
  | { k: 'index'; o: Expr; key: Expr; line: number }
  | { k: 'call'; f: Expr; args: Expr[]; line: number }
  | { k: 'method'; o: Expr; name: string; args: Expr[]; line: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; line: number }
  | { k: 'un'; op: string; a: Expr; line: number }
  | { k: 'table'; items: Expr[]; keyed: [Expr, Expr][]; line: number }
  | { k: 'paren'; e: Expr; line: number };

export type Stat =
  | { k: 'local'; vars: LocalVar[]; exprs: Expr[]; line: number }
  | { k: 'assign'; targets: Expr[]; exprs: Expr[]; line: number }
  | { k: 'call'; e: Expr; line: number }
  | { k: 'do'; body: Stat[]; line: number }
  | { k: 'while'; cond: Expr; body: Stat[]; line: number }
  | { k: 'repeat'; body: Stat[]; cond: Expr; line: number }
  | { k: 'if'; conds: Expr[]; blocks: Stat[][]; orelse: Stat[] | null; line: number }
  | { k: 'numfor'; v: LocalVar; start: Expr; limit: Expr; step: Expr | null; body: Stat[]; line: number }
  | { k: 'genfor'; vars: LocalVar[]; exprs: Expr[]; body: Stat[]; line: number }
  | { k: 'localfunc'; v: LocalVar; f: FuncState; line: number }
  | { k: 'return'; exprs: Expr[]; line: number }
  | { k: 'break'; line: number };

export interface LocalVar {
  name: string;
  id: number;
  fn: FuncState;
}

export interface FuncState {
  parent: FuncState | null;
  params: LocalVar[];
  isVararg: boolean;
  body: Stat[];
  line: number;
  /** blocks of active locals (innermost last) during parsing */
  scopes: LocalVar[][];
  name: string;
}

const KEYWORDS = new Set([
  'and',
  'break',
  'do',
  'else',
  'elseif',
  'end',
  'false',
  'for',
  'function',
  'if',
  'in',
  'local',
  'nil',
  'not',
  'or',
  'repeat',
  'return',
  'then',
  'true',
  'until',
  'while',
]);

// token types: 'name' | 'string' | 'number' | 'eof' | keyword text | operator text
interface Token {
  t: string;
  v: string | number;
  raw: string;
  line: number;
}

const BINPRI: Record<string, [number, number]> = {
  '+': [6, 6],
  '-': [6, 6],
  '*': [7, 7],
  '/': [7, 7],
  '%': [7, 7],
  '^': [10, 9],
  '..': [5, 4],
  '==': [3, 3],
  '~=': [3, 3],
  '<': [3, 3],
  '<=': [3, 3],
  '>': [3, 3],
  '>=': [3, 3],
  and: [2, 2],
  or: [1, 1],
};
const UNARY_PRI = 8;

function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

class Lexer {
  pos = 0;
  line = 1;
  constructor(
    readonly src: string,
    readonly chunk: string,
  ) {}

  error(msg: string, near?: string): never {
    const m = `${this.chunk}:${this.line}: ${msg}` + (near !== undefined ? ` near '${near}'` : '');
    throw new LuaError(m, 0);
  }

  next(): Token {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) return { t: 'eof', v: '', raw: '<eof>', line: this.line };
      if (c === '\n' || c === '\r') {
        this.newline();
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\v' || c === '\f') {
        this.pos++;
        continue;
      }
      if (c === '-' && s[this.pos + 1] === '-') {
        this.pos += 2;
        if (s[this.pos] === '[') {
          const lvl = this.longBracketLevel();
          if (lvl >= 0) {
            this.readLong(lvl, true);
            continue;
          }
        }
        while (this.pos < s.length && s[this.pos] !== '\n' && s[this.pos] !== '\r') this.pos++;
        continue;
      }
      const line = this.line;
      if (isAlpha(c)) {
        const st = this.pos;
        while (this.pos < s.length && (isAlpha(s[this.pos]) || isDigit(s[this.pos]))) this.pos++;
        const w = s.slice(st, this.pos);
        if (KEYWORDS.has(w)) return { t: w, v: w, raw: w, line };
        return { t: 'name', v: w, raw: w, line };
      }
      if (isDigit(c) || (c === '.' && isDigit(s[this.pos + 1] ?? ''))) return this.readNumber();
      if (c === '"' || c === "'") return this.readString(c);
      if (c === '[') {
        const lvl = this.longBracketLevel();
        if (lvl >= 0) {
          const v = this.readLong(lvl, false);
          return { t: 'string', v, raw: v, line };
        }
        if (lvl === -1) {
          this.pos++;
          return { t: '[', v: '[', raw: '[', line };
        }
        this.error('invalid long string delimiter', '[=');
      }
      const two = s.slice(this.pos, this.pos + 2);
      if (two === '==' || two === '~=' || two === '<=' || two === '>=') {
        this.pos += 2;
        return { t: two, v: two, raw: two, line };
      }
      if (c === '.') {
        if (s.startsWith('...', this.pos)) {
          this.pos += 3;
          return { t: '...', v: '...', raw: '...', line };
        }
        if (two === '..') {
          this.pos += 2;
          return { t: '..', v: '..', raw: '..', line };
        }
      }
      this.pos++;
      if ('+-*/%^#<>=(){}[];:,.'.includes(c)) return { t: c, v: c, raw: c, line };
      if (c === '~') return { t: c, v: c, raw: c, line };
      // any other single char: Lua returns it as a token; the parser reports it
      const code = c.charCodeAt(0);
      const raw = code < 32 || code === 127 ? `char(${code})` : c;
      return { t: 'char', v: c, raw, line };
    }
  }

  newline(): void {
    const s = this.src;
    const c = s[this.pos];
    this.pos++;
    const d = s[this.pos];
    if ((d === '\n' || d === '\r') && d !== c) this.pos++;
    this.line++;
  }

  /** At '[': returns the level of `[==[`, -1 if just '[', -2 if `[=` malformed. */
  longBracketLevel(): number {
    const s = this.src;
    let p = this.pos + 1;
    let lvl = 0;
    while (s[p] === '=') {
      lvl++;
      p++;
    }
    if (s[p] === '[') return lvl;
    return lvl === 0 ? -1 : -2;
  }

  readLong(lvl: number, comment: boolean): string {
    const s = this.src;
    const startLine = this.line;
    this.pos += lvl + 2;
    if (s[this.pos] === '\r' || s[this.pos] === '\n') this.newline();
    let out = '';
    const close = ']' + '='.repeat(lvl) + ']';
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) {
        void startLine;
        this.error(comment ? 'unfinished long comment' : 'unfinished long string', '<eof>');
      }
      if (c === ']' && s.startsWith(close, this.pos)) {
        this.pos += close.length;
        return out;
      }
      if (c === '\n' || c === '\r') {
        this.newline();
        out += '\n';
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  readNumber(): Token {
    const s = this.src;
    const st = this.pos;
    const line = this.line;
    // Lua 5.1's read_numeral: digits and '.', an exponent with optional sign, then alnum/_
    while (this.pos < s.length && (isDigit(s[this.pos]) || s[this.pos] === '.')) this.pos++;
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      this.pos++;
      if (s[this.pos] === '+' || s[this.pos] === '-') this.pos++;
    }
    while (this.pos < s.length && (isAlpha(s[this.pos]) || isDigit(s[this.pos]) || s[this.pos] === '.'))
      this.pos++;
    const raw = s.slice(st, this.pos);
    const v = str2number(raw);
    if (v === undefined || /^\s|\s$/.test(raw)) this.error('malformed number', raw);
    return { t: 'number', v, raw, line };
  }

  readString(q: string): Token {
    const s = this.src;
    const line = this.line;
    const st = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) this.error('unfinished string', '<eof>');
      if (c === '\n' || c === '\r') this.error('unfinished string', s.slice(st, this.pos));
      if (c === q) {
        this.pos++;
        break;
      }
      if (c === '\\') {
        this.pos++;
        const e = s[this.pos];
        switch (e) {
          case 'a':
            out += '\x07';
            this.pos++;
            break;
          case 'b':
            out += '\b';
            this.pos++;
            break;
          case 'f':
            out += '\f';
            this.pos++;
            break;
          case 'n':
            out += '\n';
            this.pos++;
            break;
          case 'r':
            out += '\r';
            this.pos++;
            break;
          case 't':
            out += '\t';
            this.pos++;
            break;
          case 'v':
            out += '\v';
            this.pos++;
            break;
          case '\n':
          case '\r':
            out += '\n';
            this.newline();
            break;
          case undefined:
            continue;
          default:
            if (isDigit(e)) {
              let n = 0;
              let i = 0;
              while (i < 3 && isDigit(s[this.pos] ?? '')) {
                n = n * 10 + (s.charCodeAt(this.pos) - 48);
                this.pos++;
                i++;
              }
              if (n > 255) this.error('escape sequence too large', s.slice(st, this.pos));
              out += String.fromCharCode(n);
            } else {
              out += e;
              this.pos++;
            }
        }
        continue;
      }
      out += c;
      this.pos++;
    }
    return { t: 'string', v: out, raw: s.slice(st, this.pos), line };
  }
}

let localIds = 0;

export class Parser {
  lex: Lexer;
  tok: Token;
  ahead: Token | null = null;
  fs!: FuncState;

  constructor(src: string, chunk: string) {
    this.lex = new Lexer(src, chunk);
    // skip a first line starting with '#' (Lua's loadfile does; harmless here)
    this.tok = this.lex.next();
  }

  error(msg: string, tok: Token = this.tok): never {
    this.lex.line = tok.line;
    this.lex.error(msg, tok.t === 'eof' ? '<eof>' : tok.raw);
  }

  advance(): void {
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = null;
    } else this.tok = this.lex.next();
  }

  peek(): Token {
    if (!this.ahead) this.ahead = this.lex.next();
    return this.ahead;
  }

  check(t: string): void {
    if (this.tok.t !== t) this.error(`'${t}' expected`);
  }

  expect(t: string): void {
    this.check(t);
    this.advance();
  }

  is(t: string): boolean {
    return this.tok.t === t;
  }

  accept(t: string): boolean {
    if (this.tok.t === t) {
      this.advance();
      return true;
    }
    return false;
  }

  match(what: string, who: string, line: number): void {
    if (this.tok.t !== what) {
      if (line === this.tok.line) this.error(`'${what}' expected`);
      this.error(`'${what}' expected (to close '${who}' at line ${line})`);
    }
    this.advance();
  }

  name(): string {
    if (this.tok.t !== 'name') this.error("'<name>' expected");
    const n = this.tok.v as string;
    this.advance();
    return n;
  }

  // ---- scopes
  openFunc(line: number, name: string): FuncState {
    const fs: FuncState = {
      parent: this.fs ?? null,
      params: [],
      isVararg: false,
      body: [],
      line,
      scopes: [[]],
      name,
    };
    this.fs = fs;
    return fs;
  }

  newLocal(name: string): LocalVar {
    return { name, id: ++localIds, fn: this.fs };
  }

  activate(v: LocalVar): void {
    const sc = this.fs.scopes;
    sc[sc.length - 1].push(v);
  }

  resolve(name: string, line: number): Expr {
    for (let fs: FuncState | null = this.fs; fs; fs = fs.parent) {
      for (let i = fs.scopes.length - 1; i >= 0; i--) {
        const sc = fs.scopes[i];
        for (let j = sc.length - 1; j >= 0; j--)
          if (sc[j].name === name) return { k: 'local', v: sc[j], line };
      }
    }
    return { k: 'global', name, line };
  }

  block(): Stat[] {
    this.fs.scopes.push([]);
    const out: Stat[] = [];
    for (;;) {
      const t = this.tok.t;
      if (t === 'return') {
        out.push(this.retstat());
        break;
      }
      if (t === 'break') {
        const line = this.tok.line;
        this.advance();
        this.accept(';');
        out.push({ k: 'break', line });
        break;
      }
      if (t === 'eof' || t === 'end' || t === 'else' || t === 'elseif' || t === 'until') break;
      out.push(this.statement());
      this.accept(';');
    }
    return out;
  }

  closeBlock(): void {
    this.fs.scopes.pop();
  }

  retstat(): Stat {
    const line = this.tok.line;
    this.advance();
    let exprs: Expr[] = [];
    const t = this.tok.t;
    if (!(t === 'eof' || t === 'end' || t === 'else' || t === 'elseif' || t === 'until' || t === ';'))
      exprs = this.exprlist();
    this.accept(';');
    return { k: 'return', exprs, line };
  }

  statement(): Stat {
    const line = this.tok.line;
    switch (this.tok.t) {
      case 'if': {
        this.advance();
        const conds: Expr[] = [this.expr()];
        this.expect('then');
        const blocks: Stat[][] = [this.block()];
        this.closeBlock();
        let orelse: Stat[] | null = null;
        for (;;) {
          if (this.is('elseif')) {
            this.advance();
            conds.push(this.expr());
            this.expect('then');
            blocks.push(this.block());
            this.closeBlock();
          } else if (this.is('else')) {
            this.advance();
            orelse = this.block();
            this.closeBlock();
            this.match('end', 'if', line);
            break;
          } else {
            this.match('end', 'if', line);
            break;
          }
        }
        return { k: 'if', conds, blocks, orelse, line };
      }
      case 'while': {
        this.advance();
        const cond = this.expr();
        this.expect('do');
        const body = this.block();
        this.closeBlock();
        this.match('end', 'while', line);
        return { k: 'while', cond, body, line };
      }
      case 'do': {
        this.advance();
        const body = this.block();
        this.closeBlock();
        this.match('end', 'do', line);
        return { k: 'do', body, line };
      }
      case 'for': {
        this.advance();
        const n1 = this.name();
        if (this.is('=')) {
          this.advance();
          const start = this.expr();
          this.expect(',');
          const limit = this.expr();
          const step = this.accept(',') ? this.expr() : null;
          this.expect('do');
          const v = this.newLocal(n1);
          this.fs.scopes.push([v]);
          const body = this.block();
          this.closeBlock();
          this.closeBlock();
          this.match('end', 'for', line);
          return { k: 'numfor', v, start, limit, step, body, line };
        }
        if (this.is(',') || this.is('in')) {
          const names = [n1];
          while (this.accept(',')) names.push(this.name());
          this.expect('in');
          const exprs = this.exprlist();
          this.expect('do');
          const vars = names.map((n) => this.newLocal(n));
          this.fs.scopes.push(vars);
          const body = this.block();
          this.closeBlock();
          this.closeBlock();
          this.match('end', 'for', line);
          return { k: 'genfor', vars, exprs, body, line };
        }
        this.error("'=' or 'in' expected");
        break;
      }
      case 'repeat': {
        this.advance();
        const body = this.block();
        this.match('until', 'repeat', line);
        const cond = this.expr(); // sees the body's locals
        this.closeBlock();
        return { k: 'repeat', body, cond, line };
      }
      case 'function': {
        this.advance();
        let nameStr = this.name();
        let target: Expr = this.resolve(nameStr, line);
        let isMethod = false;
        while (this.is('.') || this.is(':')) {
          const sep: string = this.tok.t as string;
          this.advance();
          const key = this.name();
          nameStr += sep + key;
          target = { k: 'index', o: target, key: { k: 'str', v: key, line }, line };
          if (sep === ':') {
            isMethod = true;
            break;
          }
        }
        const f = this.funcbody(line, isMethod, nameStr);
        return { k: 'assign', targets: [target], exprs: [{ k: 'func', f, line }], line };
      }
      case 'local': {
        this.advance();
        if (this.accept('function')) {
          const n = this.name();
          const v = this.newLocal(n);
          this.activate(v); // visible inside its own body (recursion)
          const f = this.funcbody(line, false, n);
          return { k: 'localfunc', v, f, line };
        }
        const names = [this.name()];
        while (this.accept(',')) names.push(this.name());
        const exprs = this.accept('=') ? this.exprlist() : [];
        const vars = names.map((n) => this.newLocal(n));
        for (const v of vars) this.activate(v);
        return { k: 'local', vars, exprs, line };
      }
      default: {
        const e = this.suffixedexp();
        if (e.k === 'call' || e.k === 'method') return { k: 'call', e, line };
        if (e.k === 'local' || e.k === 'global' || e.k === 'index') {
          const targets: Expr[] = [e];
          while (this.accept(',')) targets.push(this.suffixedexp());
          for (const t of targets)
            if (t.k !== 'local' && t.k !== 'global' && t.k !== 'index') this.error('syntax error');
          this.expect('=');
          const exprs = this.exprlist();
          return { k: 'assign', targets, exprs, line };
        }
        this.error('syntax error');
      }
    }
  }

  funcbody(line: number, isMethod: boolean, name: string): FuncState {
    const fs = this.openFunc(line, name);
    if (isMethod) {
      const v = this.newLocal('self');
      fs.params.push(v);
      this.activate(v);
    }
    this.expect('(');
    if (this.tok.t !== ')') {
      do {
        if (this.is('...')) {
          this.advance();
          fs.isVararg = true;
          break;
        }
        if (this.tok.t !== 'name') this.error("<name> or '...' expected");
        const v = this.newLocal(this.name());
        fs.params.push(v);
        this.activate(v);
      } while (this.accept(','));
    }
    this.expect(')');
    fs.body = this.block();
    this.closeBlock();
    this.match('end', 'function', line);
    this.fs = fs.parent!;
    return fs;
  }

  exprlist(): Expr[] {
    const l = [this.expr()];
    while (this.accept(',')) l.push(this.expr());
    return l;
  }

  primaryexp(): Expr {
    const t = this.tok;
    if (t.t === 'name') {
      this.advance();
      return this.resolve(t.v as string, t.line);
    }
    if (t.t === '(') {
      const line = t.line;
      this.advance();
      const e = this.expr();
      this.match(')', '(', line);
      return { k: 'paren', e, line };
    }
    this.error('unexpected symbol');
  }

  suffixedexp(): Expr {
    let e = this.primaryexp();
    for (;;) {
      const t = this.tok;
      switch (t.t) {
        case '.': {
          this.advance();
          const n = this.name();
          e = { k: 'index', o: e, key: { k: 'str', v: n, line: t.line }, line: t.line };
          break;
        }
        case '[': {
          this.advance();
          const key = this.expr();
          this.expect(']');
          e = { k: 'index', o: e, key, line: t.line };
          break;
        }
        case ':': {
          this.advance();
          const n = this.name();
          const args = this.callargs(e);
          e = { k: 'method', o: e, name: n, args, line: t.line };
          break;
        }
        case '(':
        case 'string':
        case '{': {
          const args = this.callargs(e);
          e = { k: 'call', f: e, args, line: t.line };
          break;
        }
        default:
          return e;
      }
    }
  }

  lastLine = 0;
  callargs(f: Expr): Expr[] {
    const t = this.tok;
    if (t.t === 'string') {
      this.advance();
      return [{ k: 'str', v: t.v as string, line: t.line }];
    }
    if (t.t === '{') return [this.tablecons()];
    if (t.t === '(') {
      if (t.line !== this.prevLine(f)) this.error('ambiguous syntax (function call x new statement)');
      this.advance();
      if (this.accept(')')) return [];
      const args = this.exprlist();
      this.match(')', '(', t.line);
      return args;
    }
    this.error('function arguments expected');
  }

  /** line of the last token of the prefix expression (for the ambiguity check) */
  prevLine(_f: Expr): number {
    return this.lastTokLine;
  }
  lastTokLine = 1;

  tablecons(): Expr {
    const line = this.tok.line;
    this.expect('{');
    const items: Expr[] = [];
    const keyed: [Expr, Expr][] = [];
    while (this.tok.t !== '}') {
      if (this.is('[')) {
        this.advance();
        const k = this.expr();
        this.expect(']');
        this.expect('=');
        keyed.push([k, this.expr()]);
      } else if (this.is('name') && this.peek().t === '=') {
        const n = this.tok.v as string;
        const kl = this.tok.line;
        this.advance();
        this.advance();
        keyed.push([{ k: 'str', v: n, line: kl }, this.expr()]);
      } else {
        items.push(this.expr());
      }
      if (!this.accept(',') && !this.accept(';')) break;
    }
    this.match('}', '{', line);
    return { k: 'table', items, keyed, line };
  }

  simpleexp(): Expr {
    const t = this.tok;
    switch (t.t) {
      case 'number':
        this.advance();
        return { k: 'num', v: t.v as number, line: t.line };
      case 'string':
        this.advance();
        return { k: 'str', v: t.v as string, line: t.line };
      case 'nil':
      case 'true':
      case 'false':
        this.advance();
        return { k: t.t, line: t.line };
      case '...': {
        if (!this.fs.isVararg) this.error("cannot use '...' outside a vararg function");
        this.advance();
        return { k: 'vararg', line: t.line };
      }
      case '{':
        return this.tablecons();
      case 'function': {
        this.advance();
        const f = this.funcbody(t.line, false, 'anonymous');
        return { k: 'func', f, line: t.line };
      }
      default:
        return this.suffixedexp();
    }
  }

  expr(limit = 0): Expr {
    let e: Expr;
    const t = this.tok;
    if (t.t === 'not' || t.t === '-' || t.t === '#') {
      this.advance();
      const a = this.expr(UNARY_PRI);
      if (t.t === '-' && a.k === 'num') e = { k: 'num', v: -a.v, line: t.line };
      else e = { k: 'un', op: t.t, a, line: t.line };
    } else e = this.simpleexp();
    for (;;) {
      const op = this.tok.t;
      const pri = BINPRI[op];
      if (!pri || pri[0] <= limit) break;
      const line = this.tok.line;
      this.advance();
      const b = this.expr(pri[1]);
      e = { k: 'bin', op, a: e, b, line };
    }
    return e;
  }

  parseChunk(): FuncState {
    const fs = this.openFunc(0, 'main chunk');
    fs.isVararg = true;
    fs.body = this.block();
    if (this.tok.t !== 'eof') this.error("'<eof>' expected");
    return fs;
  }
}

export function parse(src: string, chunk: string): FuncState {
  const p = new Parser(src, chunk);
  // track the line of the previous token for the ambiguous-call check
  const adv = p.advance.bind(p);
  p.advance = () => {
    p.lastTokLine = p.tok.line;
    adv();
  };
  return p.parseChunk();
}
