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

/**
 * Text-length histogram with both axes labelled: y = rows per bin (ticks at round numbers from 0 to the tallest bar),
 * x = length in the summary's unit (ticks at bin edges, about five). Every bar's range and count is in its title.
 */
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
  const yAxis = h('div', { class: 'hist-y muted', 'aria-hidden': 'true' });
  for (const v of niceTicks(max)) {
    const tick = h('span', { class: 'hist-tick' }, fmtInt(v));
    tick.style.bottom = `${(100 * v) / max}%`;
    yAxis.append(tick);
  }
  const bins = counts.length;
  const xAxis = h('div', { class: 'hist-x muted', 'aria-hidden': 'true' });
  const xIdx = [...new Set(Array.from({ length: 5 }, (_, k) => Math.round((k * bins) / 4)))];
  for (const i of bins > 0 ? xIdx : []) {
    const tick = h('span', { class: 'hist-tick' }, fmtInt(edges[i] ?? 0));
    tick.style.left = `${(100 * i) / bins}%`;
    xAxis.append(tick);
  }
  return h(
    'div',
    { class: 'hist' },
    h('div', { class: 'hist-y-label muted' }, 'rows'),
    h('div', { class: 'hist-plot' }, yAxis, bars),
    h('div', { class: 'hist-x-row' }, h('div', { class: 'hist-y-gutter' }), xAxis),
    h('div', { class: 'hist-x-label muted' }, `length (${unit})`),
  );
}

/** 0 and round steps (1, 2 or 5 × 10^k, whole numbers) up to `max`: three to six ticks. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 3;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [5, 2, 1].map((m) => m * mag).find((s) => s <= raw) ?? mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += Math.max(1, Math.round(step))) ticks.push(v);
  return ticks;
}
