/**
 * Virtual rows table: the host pages rows in on demand (offset/limit) and only the visible rows (plus a small
 * overscan) exist in the DOM, so 100k-row datasets scroll without a stall. Rows are a fixed height.
 */
import type { DatasetRow, DatasetRowsResult } from '../../src/protocol/types';
import { h } from '../shared/dom';
import { fmtInt } from '../shared/format';
import { frameThrottle } from '../shared/vscodeApi';

export const ROW_HEIGHT = 24;
export const PAGE_SIZE = 200;
const OVERSCAN = 6;
const MAX_CACHED_PAGES = 60;

export interface RowsRequest {
  requestId: number;
  offset: number;
  limit: number;
  search: string;
}

export class RowsView {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly status: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private pages = new Map<number, DatasetRow[]>();
  private pending = new Map<number, number>(); // page → requestId
  private nextRequestId = 1;
  private search = '';
  private total: number | undefined;
  private pendingScrollRow: number | undefined;
  private active = false; // no requests until the first reset() says which dataset and search
  private readonly scheduleRender = frameThrottle(() => this.render());

  constructor(
    private readonly request: (r: RowsRequest) => void,
    private readonly onScrollRow: (row: number) => void,
  ) {
    this.status = h('div', { class: 'muted rows-status', 'aria-live': 'polite' });
    this.spacer = h('div', { class: 'rows-spacer' });
    this.scroller = h(
      'div',
      { class: 'rows-scroller', tabindex: 0, role: 'table', 'aria-label': 'Dataset rows' },
      h(
        'div',
        { class: 'rows-row rows-header', role: 'row', 'aria-rowindex': 1 },
        h('span', { role: 'columnheader', class: 'c-index' }, '#'),
        h('span', { role: 'columnheader', class: 'c-label' }, 'label'),
        h('span', { role: 'columnheader', class: 'c-text' }, 'text'),
      ),
      this.spacer,
    );
    this.scroller.addEventListener('scroll', () => {
      this.scheduleRender();
    });
    new ResizeObserver(() => this.scheduleRender()).observe(this.scroller);
    this.element = h('div', { class: 'rows-view' }, this.status, this.scroller);
  }

  /** Starts over for a new search (or new columns): drops cached pages and asks for the rows at `scrollRow`. */
  reset(search: string, knownTotal: number | undefined, scrollRow = 0): void {
    this.active = true;
    this.search = search;
    this.pages.clear();
    this.pending.clear();
    this.total = knownTotal;
    this.pendingScrollRow = scrollRow;
    this.applyTotal();
    this.render();
  }

  /** A page from the host; answers for an older search or an unknown request are dropped. */
  receive(requestId: number, offset: number, search: string, result: DatasetRowsResult): void {
    const page = Math.floor(offset / PAGE_SIZE);
    if (search !== this.search || this.pending.get(page) !== requestId) return;
    this.pending.delete(page);
    this.pages.set(page, result.rows);
    if (this.pages.size > MAX_CACHED_PAGES) this.evictFarPages(page);
    if (this.total !== result.total) {
      this.total = result.total;
      this.applyTotal();
    }
    this.scheduleRender();
  }

  firstVisibleRow(): number {
    return Math.floor(this.scroller.scrollTop / ROW_HEIGHT);
  }

  private applyTotal(): void {
    const total = this.total;
    this.spacer.style.height = `${(total ?? 0) * ROW_HEIGHT}px`;
    this.scroller.setAttribute('aria-rowcount', String((total ?? 0) + 1));
    this.status.textContent =
      total === undefined ? 'Loading rows…' : this.search ? `${fmtInt(total)} matching rows` : `${fmtInt(total)} rows`;
    if (total !== undefined && this.pendingScrollRow !== undefined) {
      this.scroller.scrollTop = Math.min(this.pendingScrollRow, Math.max(0, total - 1)) * ROW_HEIGHT;
      this.pendingScrollRow = undefined;
    }
  }

  private render(): void {
    if (!this.active) return;
    const total = this.total;
    const viewRows = Math.ceil(this.scroller.clientHeight / ROW_HEIGHT) + 1;
    const first = this.pendingScrollRow ?? this.firstVisibleRow();
    const start = Math.max(0, first - OVERSCAN);
    const end = total === undefined ? start + viewRows + OVERSCAN : Math.min(total, first + viewRows + OVERSCAN);
    this.requestPages(start, Math.max(end, start + 1));
    if (total === undefined) return;
    const needed = Math.max(0, end - start);
    while (this.pool.length < needed) {
      const el = h(
        'div',
        { class: 'rows-row', role: 'row' },
        h('span', { class: 'c-index', role: 'cell' }),
        h('span', { class: 'c-label', role: 'cell' }),
        h('span', { class: 'c-text', role: 'cell' }),
      );
      this.pool.push(el);
      this.scroller.append(el);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      const i = start + k;
      if (k >= needed) {
        el.hidden = true;
        continue;
      }
      el.hidden = false;
      const row = this.pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
      el.style.transform = `translateY(${(i + 1) * ROW_HEIGHT}px)`;
      el.setAttribute('aria-rowindex', String(i + 2));
      el.dataset.pos = String(i);
      el.dataset.index = row ? String(row.index) : '';
      const [c0, c1, c2] = el.children as unknown as HTMLElement[];
      c0.textContent = row ? String(row.index) : '…';
      c1.textContent = row ? row.label : '';
      c2.textContent = row ? row.text : '';
      c2.title = row ? row.text.slice(0, 2000) : '';
    }
    this.onScrollRow(first);
  }

  private requestPages(start: number, end: number): void {
    const last = Math.floor((end - 1) / PAGE_SIZE);
    for (let p = Math.floor(start / PAGE_SIZE); p <= last; p++) {
      if (this.pages.has(p) || this.pending.has(p)) continue;
      if (this.total !== undefined && p * PAGE_SIZE >= this.total && p > 0) continue;
      const requestId = this.nextRequestId++;
      this.pending.set(p, requestId);
      this.request({ requestId, offset: p * PAGE_SIZE, limit: PAGE_SIZE, search: this.search });
    }
  }

  private evictFarPages(near: number): void {
    const sorted = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const p of sorted.slice(0, this.pages.size - MAX_CACHED_PAGES)) this.pages.delete(p);
  }
}
