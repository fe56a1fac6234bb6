/** Reads the host's test state file (docs/UX-CONTRACT.md "Test state file"), written temp + rename by the host. */
import { readFileSync } from 'node:fs';

export interface OverlayRange {
  start: [number, number];
  end: [number, number];
  bucket: number;
  weight: number;
  text: string;
}

export interface TestState {
  workerPid: number | null;
  model: { id: string; layer: number | string } | null;
  activeProbe: string | null;
  overlay: {
    uri: string;
    label: string;
    probability: number;
    heads: string;
    ranges: OverlayRange[];
  } | null;
  training: {
    runId?: string;
    state: 'running' | 'finished' | 'failed' | 'stopped';
    steps: number;
    testAccuracy?: number;
  } | null;
  lastError: string | null;
}

export function readState(file: string): TestState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TestState;
  } catch {
    return undefined; // not written yet
  }
}

/** Polls the state file until `pred` holds; the error names the last state seen, which is what a failure needs. */
export async function waitForState(
  file: string,
  pred: (s: TestState) => boolean,
  what: string,
  timeoutMs = 30_000,
  pollMs = 50,
): Promise<TestState> {
  const deadline = Date.now() + timeoutMs;
  let last: TestState | undefined;
  while (Date.now() < deadline) {
    last = readState(file);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last state: ${JSON.stringify(last)}`);
}
