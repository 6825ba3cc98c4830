/**
 * Compiles the parsed Lua AST to JS source: one JS function per Lua function, Lua locals
 * as JS `let` variables (renamed uniquely, so shadowing and per-iteration freshness follow
 * JS block scoping), upvalues as JS closure captures. Every function keeps its current line
 * in `L` for error positions and checks the instruction-budget counter at entry and at
 * every loop iteration.
 */
import type { Expr, FuncState, LocalVar, Stat } from './parser.js';

const ARITH: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '^': 'pow',
};

function jsStr(s: string): string {
  return JSON.stringify(s);
}

function jsNum(n: number): string {
  if (n !== n) return '(0/0)';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '(-Infinity)';
  if (Object.is(n, -0)) return '(-0)';
  return n < 0 ? `(${n})` : String(n);
}

function foldArith(op: string, a: number, b: number): number | undefined {
  let r: number;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      if (b === 0) return undefined;
      r = a / b;
      break;
    case '%':
      if (b === 0) return undefined;
      r = a - Math.floor(a / b) * b;
      break;
    case '^':
      r = Math.pow(a, b);
      break;
    default:
      return undefined;
  }
  return r !== r ? undefined : r;
}

class FuncCompiler {
  temps = 0;
  zero: number | undefined = undefined;
  out: string[] = [];
  indent = '';

  constructor(
    readonly fs: FuncState,
    readonly parent: FuncCompiler | null,
  ) {}

  tmp(): string {
    return '$' + ++this.temps;
  }

  vname(v: LocalVar): string {
    return `${v.name}$${v.id}`;
  }

  desc(e: Expr): string | undefined {
    switch (e.k) {
      case 'local':
        return e.v.fn === this.fs ? `local '${e.v.name}'` : `upvalue '${e.v.name}'`;
      case 'global':
        return `global '${e.name}'`;
      case 'index':
        return e.key.k === 'str' ? `field '${e.key.v}'` : undefined;
      case 'method':
        return `method '${e.name}'`;
      default:
        return undefined;
    }
  }

  dargs(...ds: (string | undefined)[]): string {
    while (ds.length && ds[ds.length - 1] === undefined) ds.pop();
    return ds.map((d) => (d === undefined ? ', undefined' : ', ' + jsStr(d))).join('');
  }

  isMulti(e: Expr): boolean {
    return e.k === 'call' || e.k === 'method' || e.k === 'vararg';
  }

  /** JS expression giving an array of all values of a multi-value expression. */
  multi(e: Expr): string {
    if (e.k === 'vararg') return 'va';
    if (e.k === 'call') return this.callExpr(e);
    if (e.k === 'method') return this.methodExpr(e);
    return `[${this.ex(e)}]`;
  }

  callExpr(e: Extract<Expr, { k: 'call' }>): string {
    const f = this.ex(e.f);
    const d = this.desc(e.f);
    return `fc(${f}${this.dargs(d)})(${this.list(e.args)})`;
  }

  methodExpr(e: Extract<Expr, { k: 'method' }>): string {
    const t = this.tmp();
    const args = this.list(e.args);
    return `(${t} = ${this.ex(e.o)}, mcall(idx(${t}, ${jsStr(e.name)}${this.dargs(this.desc(e.o))}), ${t}, ${jsStr(`method '${e.name}'`)}${args ? ', ' + args : ''}))`;
  }

  /** Comma-separated JS items for an expression list, the last expanded if multi. */
  list(es: Expr[]): string {
    const parts: string[] = [];
    for (let i = 0; i < es.length; i++) {
      const e = es[i];
      if (i === es.length - 1 && this.isMulti(e)) parts.push('...' + this.multi(e));
      else parts.push(this.ex(e));
    }
    return parts.join(', ');
  }

  /** JS expression giving the array of values of an expression list. */
  listArray(es: Expr[]): string {
    if (es.length === 0) return 'E';
    if (es.length === 1 && this.isMulti(es[0])) return this.multi(es[0]);
    return `[${this.list(es)}]`;
  }

  isBool(e: Expr): boolean {
    if (e.k === 'true' || e.k === 'false') return true;
    if (e.k === 'un') return e.op === 'not';
    if (e.k === 'bin') return ['==', '~=', '<', '<=', '>', '>='].includes(e.op);
    return false;
  }

  /** JS boolean expression for a Lua condition. */
  cond(e: Expr): string {
    if (e.k === 'bin' && e.op === 'and') return `(${this.cond(e.a)} && ${this.cond(e.b)})`;
    if (e.k === 'bin' && e.op === 'or') return `(${this.cond(e.a)} || ${this.cond(e.b)})`;
    if (e.k === 'un' && e.op === 'not') return `!${this.cond(e.a)}`;
    if (e.k === 'paren') return this.cond(e.e);
    if (this.isBool(e)) return this.ex(e);
    if (e.k === 'nil' || e.k === 'false') return 'false';
    if (e.k === 'num' || e.k === 'str' || e.k === 'true') return 'true';
    const t = this.tmp();
    return `((${t} = ${this.ex(e)}) !== undefined && ${t} !== false)`;
  }

  ex(e: Expr): string {
    switch (e.k) {
      case 'nil':
        return 'undefined';
      case 'true':
        return 'true';
      case 'false':
        return 'false';
      case 'num':
        if (e.v === 0) {
          // Lua's per-function constant table keeps one entry for 0 and -0: the first wins
          if (this.zero === undefined) this.zero = e.v;
          return jsNum(this.zero);
        }
        return jsNum(e.v);
      case 'str':
        return jsStr(e.v);
      case 'vararg':
        return 'va[0]';
      case 'func':
        return this.func(e.f);
      case 'local':
        return this.vname(e.v);
      case 'global':
        return `idx(G, ${jsStr(e.name)})`;
      case 'index': {
        const o = this.ex(e.o);
        if (e.key.k === 'str') return `idx(${o}, ${jsStr(e.key.v)}${this.dargs(this.desc(e.o))})`;
        return `idx(${o}, ${this.ex(e.key)}${this.dargs(this.desc(e.o))})`;
      }
      case 'call':
        return this.callExpr(e) + '[0]';
      case 'method':
        return this.methodExpr(e) + '[0]';
      case 'paren':
        return this.ex(e.e);
      case 'un': {
        const a = this.ex(e.a);
        const d = this.desc(e.a);
        if (e.op === 'not') return `!${this.cond(e.a)}`;
        if (e.op === '-') return `unm(${a}${this.dargs(d)})`;
        return `len(${a}${this.dargs(d)})`;
      }
      case 'bin': {
        const op = e.op;
        if (op === 'and' || op === 'or') {
          const t = this.tmp();
          const a = this.ex(e.a);
          const b = this.ex(e.b);
          return op === 'and'
            ? `((${t} = ${a}) === undefined || ${t} === false ? ${t} : ${b})`
            : `((${t} = ${a}) === undefined || ${t} === false ? ${b} : ${t})`;
        }
        if (ARITH[op] && e.a.k === 'num' && e.b.k === 'num') {
          const r = foldArith(op, e.a.v, e.b.v);
          if (r !== undefined) return jsNum(r);
        }
        const a = this.ex(e.a);
        const b = this.ex(e.b);
        const da = this.desc(e.a);
        const db = this.desc(e.b);
        if (ARITH[op]) return `${ARITH[op]}(${a}, ${b}${this.dargs(da, db)})`;
        switch (op) {
          case '..':
            return `cat(${a}, ${b}${this.dargs(da, db)})`;
          case '==':
            return `eq(${a}, ${b})`;
          case '~=':
            return `!eq(${a}, ${b})`;
          case '<':
            return `lt(${a}, ${b})`;
          case '<=':
            return `le(${a}, ${b})`;
          case '>': {
            // Lua evaluates a then b, then compares b < a
            const t1 = this.tmp();
            return `(${t1} = ${a}, lt(${b}, ${t1}))`;
          }
          case '>=': {
            const t1 = this.tmp();
            return `(${t1} = ${a}, le(${b}, ${t1}))`;
          }
        }
        throw new Error('bad op ' + op);
      }
      case 'table': {
        const items = e.items.length ? `[${this.list(e.items)}]` : 'null';
        const n = e.items.length;
        const na = n > 0 && this.isMulti(e.items[n - 1]) ? n - 1 : n;
        if (e.keyed.length === 0) return n ? `mka(${items}, ${na})` : 'new T()';
        const kv = e.keyed.map(([k, v]) => `${this.ex(k)}, ${this.ex(v)}`).join(', ');
        return `mk(${items}, [${kv}], ${na})`;
      }
    }
  }

  emit(s: string): void {
    this.out.push(this.indent + s);
  }

  lastLine = -1;
  setLine(line: number): void {
    if (line !== this.lastLine && line > 0) {
      this.emit(`L = ${line};`);
      this.lastLine = line;
    }
  }

  block(stats: Stat[]): void {
    this.lastLine = -1;
    const save = this.indent;
    this.indent += '  ';
    for (const s of stats) this.stat(s);
    this.indent = save;
    this.lastLine = -1;
  }

  hook(): string {
    return 'if (++H.c >= H.n) H.h();';
  }

  assignTo(target: Expr, value: string): void {
    if (target.k === 'local') this.emit(`${this.vname(target.v)} = ${value};`);
    else if (target.k === 'global') this.emit(`setidx(G, ${jsStr(target.name)}, ${value});`);
    else if (target.k === 'index')
      this.emit(
        `setidx(${this.ex(target.o)}, ${this.ex(target.key)}, ${value}${this.dargs(this.desc(target.o))});`,
      );
  }

  stat(s: Stat): void {
    this.setLine(s.line);
    switch (s.k) {
      case 'local': {
        const names = s.vars.map((v) => this.vname(v));
        if (s.exprs.length === 0) {
          this.emit(`let ${names.join(', ')};`);
        } else if (s.exprs.length === names.length && !this.isMulti(s.exprs[s.exprs.length - 1])) {
          if (names.length === 1) this.emit(`let ${names[0]} = ${this.ex(s.exprs[0])};`);
          else {
            const ts = s.exprs.map((x) => {
              const t = this.tmp();
              this.emit(`${t} = ${this.ex(x)};`);
              return t;
            });
            this.emit(`let ${names.map((n, i) => `${n} = ${ts[i]}`).join(', ')};`);
          }
        } else {
          const vals = this.valuesInto(s.exprs, names.length);
          this.emit(`let ${names.map((n, i) => `${n} = ${vals[i]}`).join(', ')};`);
        }
        return;
      }
      case 'localfunc': {
        const n = this.vname(s.v);
        this.emit(`let ${n};`);
        this.emit(`${n} = ${this.func(s.f)};`);
        return;
      }
      case 'assign': {
        if (s.targets.length === 1 && s.exprs.length === 1) {
          const v = this.isMulti(s.exprs[0]) ? this.ex(s.exprs[0]) : this.ex(s.exprs[0]);
          this.assignTo(s.targets[0], v);
          return;
        }
        // evaluate target prefixes, then all values, then assign
        const pre: { t: Expr; o?: string; k?: string }[] = s.targets.map((t) => {
          if (t.k !== 'index') return { t };
          const o = this.tmp();
          const k = this.tmp();
          this.emit(`${o} = ${this.ex(t.o)}; ${k} = ${this.ex(t.key)};`);
          return { t, o, k };
        });
        const vals = this.valuesInto(s.exprs, s.targets.length);
        for (let i = pre.length - 1; i >= 0; i--) {
          const p = pre[i];
          if (p.o)
            this.emit(`setidx(${p.o}, ${p.k}, ${vals[i]}${this.dargs(this.desc((p.t as { o: Expr }).o))});`);
          else this.assignTo(p.t, vals[i]);
        }
        return;
      }
      case 'call':
        if (s.e.k === 'call') this.emit(this.callExpr(s.e) + ';');
        else if (s.e.k === 'method') this.emit(this.methodExpr(s.e) + ';');
        return;
      case 'do':
        this.emit('{');
        this.block(s.body);
        this.emit('}');
        return;
      case 'while':
        this.emit(`while (${this.cond(s.cond)}) {`);
        this.emit('  ' + this.hook());
        this.block(s.body);
        this.emit('}');
        return;
      case 'repeat': {
        this.emit('for (;;) {');
        this.emit('  ' + this.hook());
        this.block(s.body);
        // the condition sees the body's locals: it is compiled inside the same JS block
        this.emit(`  if (${this.cond(s.cond)}) break;`);
        this.emit('}');
        return;
      }
      case 'if':
        this.ifChain(s, 0);
        this.lastLine = -1;
        return;
      case 'numfor': {
        const a = this.tmp();
        const b = this.tmp();
        const c = this.tmp();
        this.emit(`${a} = forNum(${this.ex(s.start)}, "initial value");`);
        this.emit(`${b} = forNum(${this.ex(s.limit)}, "limit");`);
        let test: string;
        if (s.step === null || (s.step.k === 'num' && s.step.v > 0)) {
          this.emit(`${c} = ${s.step ? jsNum(s.step.v) : '1'};`);
          test = `${a} <= ${b}`;
        } else {
          this.emit(`${c} = forNum(${this.ex(s.step)}, "step");`);
          test = `${c} > 0 ? ${a} <= ${b} : ${b} <= ${a}`;
        }
        this.emit(`for (; ${test}; ${a} += ${c}) {`);
        this.emit('  ' + this.hook());
        this.emit(`  let ${this.vname(s.v)} = ${a};`);
        this.block(s.body);
        this.emit('}');
        this.lastLine = -1;
        return;
      }
      case 'genfor': {
        const f = this.tmp();
        const st = this.tmp();
        const ctl = this.tmp();
        const r = this.tmp();
        const m = this.tmp();
        const vals = this.valuesInto(s.exprs, 3);
        this.emit(`${f} = ${vals[0]}; ${st} = ${vals[1]}; ${ctl} = ${vals[2]};`);
        // pairs()/ipairs() on a plain table iterate it directly (no call per step)
        this.emit(`${m} = !(${st} instanceof T) ? 0 : ${f} === next ? 1 : ${f} === inext ? 2 : 0;`);
        const names = s.vars.map((v) => this.vname(v));
        const [k, v] = names;
        this.emit('for (;;) {');
        this.emit('  ' + this.hook());
        this.emit(`  let ${names.join(', ')};`);
        const rest = names
          .slice(2)
          .map((n, i) => ` ${n} = ${r}[${i + 2}];`)
          .join('');
        const setV = v ? ` ${v} = ${r}[1];` : '';
        this.emit(
          `  if (${m} === 1) { ${r} = ${st}.next(${ctl}); if (${r} === undefined) break; ${k} = ${r}[0];${setV} }`,
        );
        if (v)
          this.emit(
            `  else if (${m} === 2) { ${v} = ${st}.getInt(${ctl} + 1); if (${v} === undefined) break; ${k} = ${ctl} + 1; }`,
          );
        else
          this.emit(
            `  else if (${m} === 2) { if (${st}.getInt(${ctl} + 1) === undefined) break; ${k} = ${ctl} + 1; }`,
          );
        this.emit(
          `  else { ${r} = fc(${f})(${st}, ${ctl}); ${k} = ${r}[0]; if (${k} === undefined) break;${setV}${rest} }`,
        );
        this.emit(`  ${ctl} = ${k};`);
        this.block(s.body);
        this.emit('}');
        this.lastLine = -1;
        return;
      }
      case 'return': {
        if (s.exprs.length === 1 && (s.exprs[0].k === 'call' || s.exprs[0].k === 'method')) {
          this.emit(`return ${this.multi(s.exprs[0])};`);
        } else this.emit(`return ${this.listArray(s.exprs)};`);
        return;
      }
      case 'break':
        this.emit('break;');
        return;
    }
  }

  ifChain(s: Extract<Stat, { k: 'if' }>, i: number): void {
    if (i > 0) this.setLine(s.conds[i].line);
    this.emit(`if (${this.cond(s.conds[i])}) {`);
    this.block(s.blocks[i]);
    if (i + 1 < s.conds.length) {
      this.emit('} else {');
      const save = this.indent;
      this.indent += '  ';
      this.ifChain(s, i + 1);
      this.indent = save;
      this.emit('}');
    } else if (s.orelse) {
      this.emit('} else {');
      this.block(s.orelse);
      this.emit('}');
    } else this.emit('}');
  }

  /** Evaluate an expression list into n JS expressions (temps), Lua adjustment rules. */
  valuesInto(es: Expr[], n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < es.length; i++) {
      const e = es[i];
      const last = i === es.length - 1;
      if (last && this.isMulti(e) && out.length < n) {
        const r = this.tmp();
        this.emit(`${r} = ${this.multi(e)};`);
        for (let j = 0; out.length < n; j++) out.push(`${r}[${j}]`);
      } else {
        const t = this.tmp();
        this.emit(`${t} = ${this.ex(e)};`);
        out.push(t);
      }
    }
    while (out.length < n) out.push('undefined');
    return out.slice(0, n);
  }

  func(fs: FuncState): string {
    const c = new FuncCompiler(fs, this);
    c.indent = this.indent + '  ';
    return c.compile();
  }

  compile(): string {
    const fs = this.fs;
    const params = fs.params.map((p) => this.vname(p));
    if (fs.isVararg) params.push('...va');
    const body = this.indent;
    this.indent = body + '  ';
    const save = this.out;
    this.out = [];
    this.indent = body + '    ';
    for (const s of fs.body) this.stat(s);
    const inner = this.out;
    this.out = save;
    const temps: string[] = ['L = ' + fs.line];
    for (let i = 1; i <= this.temps; i++) temps.push('$' + i);
    return [
      `function (${params.join(', ')}) {`,
      `${body}  let ${temps.join(', ')};`,
      `${body}  ${this.hook()}`,
      `${body}  try {`,
      ...inner,
      `${body}    return E;`,
      `${body}  } catch (e) { throw fix(e, L, CH); }`,
      `${body}}`,
    ].join('\n');
  }
}

/** JS source of a factory: `(R, G, H) => main function`. */
export function compileChunk(fs: FuncState): string {
  const c = new FuncCompiler(fs, null);
  c.indent = '';
  const main = c.compile();
  return `"use strict";\nconst {T, E, idx, setidx, fc, add, sub, mul, div, mod, pow, unm, len, cat, eq, lt, le, mk, mka, forNum, next, inext, fix, mcall} = R;\nreturn ${main};`;
}
