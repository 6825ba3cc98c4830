/** Opens the libraries Redis exposes to scripts. */
import type { LuaVM } from '../vm.js';
import { openBase } from './base.js';
import { openBit } from './bit.js';
import { openCjson } from './cjson.js';
import { openCmsgpack } from './cmsgpack.js';
import { openStruct } from './struct.js';
import { openMath, Rand48 } from './lmath.js';
import { openString } from './lstring.js';
import { openTable } from './ltable.js';

export function openLibs(vm: LuaVM): void {
  openBase(vm);
  openString(vm);
  openTable(vm);
  openMath(vm, vm.rand);
  openCjson(vm);
  openStruct(vm);
  openCmsgpack(vm);
  openBit(vm);
}

export { Rand48 };
