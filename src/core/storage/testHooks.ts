/**
 * Fault injection for tests of data safety; inert unless a test sets them.
 * - PROBESCOPE_TEST_KILL_AT=<point> (environment): the process SIGKILLs itself at that named point of a save or a
 *   cache write, so a test in another process can check what the next start recovers.
 * - setWriteFault(fn): in-process; called before each data write of the cache and of probe saves with the file path,
 *   so a test can throw ENOSPC from a chosen write (a stubbed write instead of a full disk).
 */
type WriteFault = (path: string, bytes: number) => void;
let writeFault: WriteFault | undefined;

export function killPoint(name: string): void {
  if (process.env.PROBESCOPE_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

export function setWriteFault(fault: WriteFault | undefined): void {
  writeFault = fault;
}

export function beforeWrite(path: string, bytes: number): void {
  writeFault?.(path, bytes);
}
