/** Errors users can act on: a stable code plus a message that says what to fix. */
export type ProbescopeErrorCode =
  | 'BAD_ARGUMENT'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'TOKENIZER_MISMATCH'
  | 'UNSUPPORTED_GRAPH'
  | 'UNSUPPORTED_DTYPE'
  | 'EXECUTION_PROVIDER'
  | 'DATASET_INVALID'
  | 'PROBE_INVALID'
  | 'PROBE_MISMATCH'
  | 'DOWNLOAD_FAILED'
  | 'CANCELLED'
  | 'WORKER_CRASHED'
  | 'OUTPUT_REFUSED'
  | 'IO_ERROR'
  | 'DISK_FULL'
  | 'CACHE_DAMAGED'
  | 'INTERNAL';

export class ProbescopeError extends Error {
  constructor(
    readonly code: ProbescopeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbescopeError';
  }
}

export function isCancelled(err: unknown): boolean {
  return err instanceof ProbescopeError && err.code === 'CANCELLED';
}

/** Throws CANCELLED when the signal fired; long loops call this between batches. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProbescopeError('CANCELLED', 'Cancelled.');
}
