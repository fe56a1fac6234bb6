/**
 * Mirrors HostState into the file named by PROBESCOPE_TEST_STATE (docs/UX-CONTRACT.md) so real-host tests can
 * assert exact ranges. Written synchronously (the file is small) with temp + rename, so a reader never sees half a
 * file and writes land in the order the changes happened.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostSnapshot } from './hostState';

export class TestStateFile {
  private sequence = 0;

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(snapshot: Readonly<HostSnapshot>): void {
    const tmp = `${this.path}.${process.pid}.${this.sequence++}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot, null, 2) + '\n');
    renameSync(tmp, this.path);
  }
}
