/** Attention panel: the text coloured by attention, a heads × tokens grid, head selector, HTML/PNG export. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '../shared/base.css';
import './main.css';
import type {
  AttentionPanelState,
  AttentionShowPayload,
  AttentionToHost,
  HeadSelection,
} from '../../src/protocol/webview';
import { parseAttentionHostMessage, parseAttentionPanelState } from '../../src/protocol/webview';
import { probeKindLabel } from '../../src/protocol/probeLabel';
import { appRoot, h } from '../shared/dom';
import { fmtLayer, fmtPct } from '../shared/format';
import { cssVar, onThemeChange, themeRgb } from '../shared/theme';
import { onHostMessage, panelApi } from '../shared/vscodeApi';
import { attentionFigure, figurePng } from './figure';
import { drawGrid, gridRows, hitTest, rowName, layoutFor, type GridColors, type GridLayout } from './grid';
import { exportHtml, headLabel, headWeights, heatColor, maxOf, textSegments, unitWeight } from './weights';

const api = panelApi<AttentionToHost, AttentionPanelState>(parseAttentionPanelState);
let state: AttentionPanelState = api.getState() ?? { head: 'sum' };

// ---- layout -------------------------------------------------------------------------------------------------
const title = h('h1', {}, 'Attention');
const subtitle = h('div', { class: 'muted', id: 'subtitle' });
const probs = h('div', { id: 'probabilities', role: 'list', 'aria-label': 'Class probabilities' });
const headSelect = h('vscode-single-select', { id: 'head', label: 'Heads' });
const copyButton = h('vscode-button', { id: 'copy-html', secondary: true }, 'Copy as HTML');
const pngButton = h('vscode-button', { id: 'save-png', secondary: true }, 'Save figure as PNG');
const svgButton = h('vscode-button', { id: 'save-svg', secondary: true }, 'Save figure as SVG');
const notice = h('div', { class: 'muted hidden', id: 'notice' });
const textBox = h('div', { id: 'text', class: 'text', 'aria-label': 'Text coloured by attention weight' });
const rowLabels = h('div', { class: 'grid-labels', role: 'radiogroup', 'aria-label': 'Grid rows (click to select)' });
const canvas = h('canvas', {
  id: 'grid',
  tabindex: 0,
  'aria-label': 'Heads by tokens grid; left and right arrows move between tokens',
});
const gridScroller = h('div', { class: 'grid-scroller' }, canvas);
const cursorInfo = h('div', { class: 'muted', id: 'cursor', 'aria-live': 'polite' });
const topList = h('ol', { id: 'top-tokens' });

appRoot().append(
  h('header', {}, title, subtitle),
  probs,
  h(
    'div',
    { class: 'row controls' },
    h('div', { class: 'field' }, h('vscode-label', { for: 'head' }, 'Colour by'), headSelect),
    copyButton,
    pngButton,
    svgButton,
  ),
  notice,
  textBox,
  h('h2', {}, 'Heads × tokens'),
  h('div', { class: 'grid' }, rowLabels, gridScroller),
  cursorInfo,
  h('h2', {}, 'Most attended tokens'),
  topList,
);

let spans: HTMLSpanElement[] = []; // by token index (undefined for tokens with no text, e.g. <bos>)
let units: { span: HTMLSpanElement; tokens: number[] }[] = []; // one per paint unit, in text order
let layout: GridLayout = layoutFor(0, 0);
let cursor = -1;
let gridWidth = 0; // from the ResizeObserver: reading clientWidth here would force a layout of the whole text

const heatRgb = () => themeRgb('--vscode-charts-orange', '#d18616');
const gridColors = (): GridColors => ({
  heat: heatRgb(),
  background: cssVar('--vscode-editor-background', '#1e1e1e'),
  foreground: cssVar('--vscode-foreground', '#cccccc'),
  selection: cssVar('--vscode-focusBorder', '#0078d4'),
});

// ---- rendering ----------------------------------------------------------------------------------------------
function renderShow(show: AttentionShowPayload): void {
  const r = show.result;
  title.textContent = show.probeName;
  subtitle.textContent = `${probeKindLabel(r.probe, r.heads)} probe · ${fmtLayer(r.layer)} · ${r.tokens.length} tokens`;
  probs.replaceChildren(
    ...show.classes.map((c) => {
      const p = r.probabilities[c] ?? 0;
      const bar = h('div', { class: 'prob-bar' });
      bar.style.width = `${p * 100}%`;
      return h(
        'div',
        { class: `prob-row${c === r.label ? ' predicted' : ''}`, role: 'listitem' },
        h('span', { class: 'prob-label' }, c === r.label ? `${c} (predicted)` : c),
        h('div', { class: 'prob-track' }, bar),
        h('span', { class: 'prob-value' }, fmtPct(p)),
      );
    }),
  );
  const heads = r.tokens[0]?.attention.length ?? 0;
  const options: [string, string][] = [
    ['sum', 'Sum over heads'],
    ['max', 'Max over heads'],
    ...Array.from({ length: heads }, (_, i): [string, string] => [String(i), `Head ${i + 1}`]),
  ];
  headSelect.replaceChildren(...options.map(([v, l]) => h('vscode-option', { value: v }, l)));
  rowLabels.replaceChildren(
    ...gridRows(heads).map((row) => {
      const b = h('button', { class: 'row-label', role: 'radio', 'data-head': String(row) }, rowName(row));
      b.addEventListener('click', () => selectHead(row, true));
      return b;
    }),
  );
  notice.textContent = heads === 0 ? `A ${r.probe} probe has no attention weights: tokens are not coloured.` : '';
  notice.classList.toggle('hidden', heads > 0);

  const frag = document.createDocumentFragment();
  spans = [];
  units = [];
  for (const seg of textSegments(show.text, r.tokens)) {
    if (seg.token === undefined) {
      frag.append(seg.text);
      continue;
    }
    const span = document.createElement('span');
    span.className = 'tok';
    span.textContent = seg.text;
    span.dataset.i = String(seg.token);
    // Byte pieces of one character and tokens of one grapheme cluster share one span, coloured by their sum.
    for (const i of seg.tokens ?? [seg.token]) spans[i] = span;
    units.push({ span, tokens: seg.tokens ?? [seg.token] });
    frag.append(span);
  }
  textBox.replaceChildren(frag);
  cursor = -1;
  cursorInfo.textContent = '';
  applyHead();
}

/** Colours, grid, selector and top list for the current head (cheap: no DOM rebuilt). */
function applyHead(): void {
  const show = state.show;
  if (!show) return;
  const tokens = show.result.tokens;
  const heads = tokens[0]?.attention.length ?? 0;
  if (typeof state.head === 'number' && state.head >= heads) state.head = 'sum';
  (headSelect as HTMLElement & { value: string }).value = String(state.head);
  for (const b of rowLabels.children)
    b.setAttribute('aria-checked', String((b as HTMLElement).dataset.head === String(state.head)));

  const w = headWeights(tokens, state.head);
  const rgb = heatRgb();
  const unitWeights = units.map((u) => unitWeight(w, u.tokens));
  const unitMax = maxOf(unitWeights);
  units.forEach((u, k) => {
    u.span.style.backgroundColor = heatColor(rgb, unitMax > 0 ? unitWeights[k] / unitMax : 0);
  });
  textBox.dataset.head = String(state.head);

  layout = layoutFor(tokens.length, gridWidth || 800);
  drawGrid(canvas, tokens, heads, state.head, layout, gridColors());
  if (cursor >= 0) drawCursor();

  const top = [...w.keys()]
    .sort((a, b) => w[b] - w[a])
    .slice(0, 10)
    .filter((i) => w[i] > 0);
  topList.replaceChildren(
    ...top.map((i) => h('li', {}, `${JSON.stringify(tokens[i].text)} (#${i}) — ${w[i].toFixed(4)}`)),
  );
}

function drawCursor(): void {
  const ctx = canvas.getContext('2d')!;
  ctx.strokeStyle = cssVar('--vscode-foreground', '#ccc');
  ctx.lineWidth = 1;
  ctx.strokeRect(layout.labelW + cursor * layout.cellW + 0.5, 0.5, layout.cellW - 1, canvas.clientHeight - 1);
}

function selectHead(head: HeadSelection, fromUser: boolean): void {
  state.head = head;
  applyHead();
  api.setState(state);
  if (fromUser) api.post({ type: 'selectHead', head });
}

function showCursor(token: number, row?: HeadSelection): void {
  const show = state.show;
  if (!show) return;
  cursor = token;
  const t = show.result.tokens[token];
  const which = row ?? state.head;
  const w = headWeights([t], which)[0];
  cursorInfo.textContent = `token #${token} ${JSON.stringify(t.text)} · ${headLabel(which)} weight ${w.toFixed(4)} · per head: ${t.attention.map((a) => a.toFixed(3)).join(', ')}`;
  applyHead();
  spans[token]?.scrollIntoView({ block: 'nearest' });
}

// ---- export -------------------------------------------------------------------------------------------------
function copyHtml(): void {
  if (!state.show) return;
  const html = exportHtml(state.show, state.head, heatRgb());
  const plain = state.show.text;
  api.post({ type: 'exportHtml', html });
  // A copy event puts the HTML on the clipboard as-is; navigator.clipboard.write would parse it in this page,
  // where a strict CSP (no inline styles) strips the colours.
  let copied = false;
  const onCopy = (e: ClipboardEvent) => {
    e.clipboardData?.setData('text/html', html);
    e.clipboardData?.setData('text/plain', plain);
    e.preventDefault();
    copied = !!e.clipboardData;
  };
  document.addEventListener('copy', onCopy);
  try {
    document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', onCopy);
  }
  // Without a clipboard the host still has the HTML from exportHtml and can copy it itself.
  if (copied) api.post({ type: 'copied', format: 'html' });
}

/** The figure (figure.ts: token and head labels, colour scale, print colours) as PNG, rasterised from its SVG. */
async function savePng(): Promise<void> {
  if (!state.show) return;
  api.post({ type: 'exportPng', dataUrl: await figurePng(attentionFigure(state.show)) });
}

function saveSvg(): void {
  if (state.show) api.post({ type: 'exportSvg', svg: attentionFigure(state.show).svg });
}

// ---- input --------------------------------------------------------------------------------------------------
headSelect.addEventListener('change', () => {
  const v = (headSelect as HTMLElement & { value: string }).value;
  const head: HeadSelection = v === 'sum' || v === 'max' ? v : Number(v);
  if (head !== state.head) selectHead(head, true);
});
copyButton.addEventListener('click', copyHtml);
pngButton.addEventListener('click', () => void savePng());
svgButton.addEventListener('click', saveSvg);
/** The grid cell under the pointer, if any. */
const cellAt = (e: MouseEvent) =>
  state.show &&
  hitTest(
    e.offsetX,
    e.offsetY,
    layout,
    state.show.result.tokens.length,
    state.show.result.tokens[0]?.attention.length ?? 0,
  );
canvas.addEventListener('mousemove', (e) => {
  const hit = cellAt(e);
  if (hit) showCursor(hit.token, hit.row);
});
canvas.addEventListener('click', (e) => {
  const hit = cellAt(e);
  if (hit && hit.row !== state.head) selectHead(hit.row, true);
});
canvas.addEventListener('keydown', (e) => {
  const n = state.show?.result.tokens.length ?? 0;
  const step = { ArrowRight: 1, ArrowLeft: -1, End: n, Home: -n }[e.key];
  if (!n || step === undefined) return;
  e.preventDefault();
  showCursor(Math.max(0, Math.min(n - 1, (cursor < 0 ? 0 : cursor) + step)));
});
textBox.addEventListener('mouseover', (e) => {
  const i = (e.target as HTMLElement).dataset?.i;
  if (i !== undefined && state.show) showCursor(Number(i));
});
onThemeChange(applyHead);
new ResizeObserver((entries) => {
  const width = Math.floor(entries[0].contentRect.width);
  if (width === gridWidth) return;
  gridWidth = width;
  if (state.show) applyHead();
}).observe(gridScroller);

onHostMessage(parseAttentionHostMessage, (m) => {
  if (m.type === 'setHead') {
    selectHead(m.head, false);
    return;
  }
  const { text, result, classes, probeName } = m;
  state = { show: { text, result, classes, probeName }, head: m.head ?? state.head };
  renderShow(state.show!);
  api.setState(state);
});

if (state.show) renderShow(state.show);
api.post({ type: 'ready' });
