/** The argument that makes the worker bundle (dist/lmtp-worker.cjs) the zygote instead of a worker. */
export const ZYGOTE_ARG = 'zygote';

/** native/zygote-fork.c's part of the addon. */
export interface ZygoteNative {
  zygoteFork(): { pid: number; fd: number; self?: number };
  zygoteReap(): Array<[number, number, number]>;
  /** _exit(2): how a forked child must end (native/zygote-fork.c says why). */
  zygoteExit(code: number): never;
}

/** The fork functions of a loaded addon, or why there are none (an addon built before it had them). */
export function zygoteNativeOf(addon: object): ZygoteNative | string {
  const m = addon as Partial<ZygoteNative>;
  return typeof m.zygoteFork === 'function' && typeof m.zygoteReap === 'function' && typeof m.zygoteExit === 'function' ? (m as ZygoteNative) : 'the addon was built without zygoteFork';
}
