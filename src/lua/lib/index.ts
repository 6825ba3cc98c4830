/** Opens the libraries Redis exposes to scripts. */
import type { LuaVM } from '../vm.js';
import { openBase } from './base.js';

export function openLibs(vm: LuaVM): void {
  openBase(vm);
}
