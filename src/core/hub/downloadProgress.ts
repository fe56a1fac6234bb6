import type { ProgressEvent } from '../../protocol/types';

const PROGRESS_INTERVAL_MS = 250;

/** A file as the progress counter sees it. */
export interface ProgressFile {
  path: string;
  size: number;
}

/** Bytes done/total over all files of a download, throttled to one event per 250 ms; the rate counts only bytes moved in this run. */
export class DownloadProgress {
  private readonly total: number;
  private doneBefore = 0; // finished files and skipped bytes
  private fileDone = 0;
  private current?: ProgressFile;
  private transferred = 0;
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(
    files: ProgressFile[],
    private readonly onProgress?: (e: Omit<ProgressEvent, 'progressId'>) => void,
  ) {
    this.total = files.reduce((s, f) => s + f.size, 0);
  }

  /** A file already in the cache. */
  skip(file: ProgressFile): void {
    this.doneBefore += file.size;
  }

  /** (Re)starts `file` at byte `offset` (a resumed partial, or 0 when the server sent the whole file again). */
  restart(file: ProgressFile, offset: number): void {
    if (this.current && this.current !== file) this.doneBefore += this.current.size;
    this.current = file;
    this.fileDone = offset;
    this.emit(true);
  }

  add(bytes: number): void {
    this.fileDone += bytes;
    this.transferred += bytes;
    this.emit(false);
  }

  finish(): void {
    if (this.current) this.doneBefore += this.current.size;
    this.current = undefined;
    this.fileDone = 0;
    this.emit(true);
  }

  private emit(force: boolean): void {
    const now = Date.now();
    if (!this.onProgress || (!force && now - this.lastEmit < PROGRESS_INTERVAL_MS)) return;
    this.lastEmit = now;
    const done = this.doneBefore + this.fileDone;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.transferred / seconds : undefined;
    const etaSeconds = rate && this.total > done ? (this.total - done) / rate : undefined;
    const message = this.current ? `${this.current.path} ${mb(this.fileDone)}/${mb(this.current.size)} MB` : 'done';
    this.onProgress({ phase: 'download', done, total: this.total, message, rate, etaSeconds });
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
