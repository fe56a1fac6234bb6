/** Class-balance bars and the text-length histogram, as plain DOM with the numbers written out (not colour only). */
import type { DatasetSummary } from '../../src/protocol/types';
import { h } from '../shared/dom';
import { fmtInt, fmtPct } from '../shared/format';

const MAX_CLASSES_SHOWN = 50;

export function classBalance(summary: DatasetSummary): HTMLElement {
  const classes = [...summary.classes].sort((a, b) => b.count - a.count);
  const total = classes.reduce((s, c) => s + c.count, 0) || 1;
  const max = classes[0]?.count || 1;
  const list = h('div', { class: 'balance', role: 'list', 'aria-label': 'Class balance' });
  for (const c of classes.slice(0, MAX_CLASSES_SHOWN)) {
    const bar = h('div', { class: 'bar' });
    bar.style.width = `${(100 * c.count) / max}%`;
    list.append(
      h(
        'div',
        { class: 'balance-row', role: 'listitem' },
        h('span', { class: 'balance-label', title: c.label }, c.label || '(empty)'),
        h('div', { class: 'bar-track' }, bar),
        h('span', { class: 'balance-count' }, `${fmtInt(c.count)} (${fmtPct(c.count / total)})`),
      ),
    );
  }
  if (classes.length > MAX_CLASSES_SHOWN) {
    list.append(h('div', { class: 'muted' }, `…and ${classes.length - MAX_CLASSES_SHOWN} more classes`));
  }
  return list;
}

export function lengthHistogram(summary: DatasetSummary): HTMLElement {
  const { edges, counts } = summary.lengthHistogram;
  const max = Math.max(1, ...counts);
  const unit = summary.lengthUnit;
  const bars = h('div', { class: 'hist-bars', role: 'list', 'aria-label': `Text length histogram in ${unit}` });
  counts.forEach((count, i) => {
    const label = `${fmtInt(edges[i])}–${fmtInt(edges[i + 1])} ${unit}: ${fmtInt(count)} rows`;
    const bar = h('div', { class: 'hist-bar', role: 'listitem', title: label, 'aria-label': label });
    bar.style.height = `${Math.max(count > 0 ? 2 : 0, (100 * count) / max)}%`;
    bars.append(bar);
  });
  const axis = h(
    'div',
    { class: 'hist-axis muted' },
    h('span', {}, fmtInt(edges[0] ?? 0)),
    h('span', {}, `length (${unit}) · tallest bar ${fmtInt(max)} rows`),
    h('span', {}, fmtInt(edges[edges.length - 1] ?? 0)),
  );
  return h('div', { class: 'hist' }, bars, axis);
}
