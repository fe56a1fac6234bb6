/**
 * Fault injection for tests of data safety; inert unless a test sets them.
 * - PROBESCOPE_TEST_KILL_AT=<point> (environment): the process SIGKILLs itself at that named point of a save or a
 *   cache write, so a test in another process can check what the next start recovers.
 * - PROBESCOPE_TEST_HANG_AT=<point> (environment): hangPoint() never returns there, ignoring cancellation, as a
 *   long step that cannot be interrupted would: the CLI's second Ctrl-C must still quit.
 * - setWriteFault(fn): in-process; called before each data write of the cache and of probe saves with the file path,
 *   so a test can throw ENOSPC from a chosen write (a stubbed write instead of a full disk).
 */
type WriteFault = (path: string, bytes: number) => void;
let writeFault: WriteFault | undefined;

export function killPoint(name: string): void {
  if (process.env.PROBESCOPE_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

/** Resolves at once unless PROBESCOPE_TEST_HANG_AT names this point; then never (a timer keeps the process up). */
export async function hangPoint(name: string): Promise<void> {
  if (process.env.PROBESCOPE_TEST_HANG_AT !== name) return;
  await new Promise<void>(() => setInterval(() => undefined, 60_000));
}

export function setWriteFault(fault: WriteFault | undefined): void {
  writeFault = fault;
}

export function beforeWrite(path: string, bytes: number): void {
  writeFault?.(path, bytes);
}
