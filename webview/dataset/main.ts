/** Dataset panel: summary, column and split pickers, charts, warnings, paged sample rows with search, Train. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/base.css';
import './main.css';
import type { DatasetHubView, DatasetPanelState, DatasetToHost, SplitSettings } from '../../src/protocol/webview';
import { parseDatasetHostMessage, parseDatasetPanelState } from '../../src/protocol/webview';
import type { DatasetSummary } from '../../src/protocol/types';
import { appRoot, h } from '../shared/dom';
import { fmtInt } from '../shared/format';
import { debounce, onHostMessage, panelApi } from '../shared/vscodeApi';
import { classBalance, lengthHistogram } from './charts';
import { RowsView } from './rowsView';

const api = panelApi<DatasetToHost, DatasetPanelState>(parseDatasetPanelState);
let state: DatasetPanelState | undefined = api.getState();

const saveState = debounce(() => state && api.setState(state), 200);

// ---- layout -------------------------------------------------------------------------------------------------
const title = h('h1', {}, 'Dataset');
const subtitle = h('div', { class: 'muted', id: 'subtitle' }, 'Reading the dataset…');
const busyBar = h('vscode-progress-bar', { class: 'hidden', 'aria-label': 'Working' });
const busyText = h('div', { class: 'muted hidden', 'aria-live': 'polite' });
const errorBox = h('div', { class: 'error-banner hidden', role: 'alert' });

const textSelect = h('vscode-single-select', { id: 'text-field', label: 'Text column' });
const labelSelect = h('vscode-single-select', { id: 'label-field', label: 'Label column' });
const testSplitField = h('vscode-textfield', {
  id: 'test-split',
  label: 'Test fraction', // a text field: a number input's step would flag 0.33 as invalid
});
const seedField = h('vscode-textfield', { id: 'seed', type: 'number', min: 0, step: 1, label: 'Split seed' });
const trainButton = h('vscode-button', { id: 'train', disabled: true }, 'Train probe…');
/** Shown instead of the random-split fields when the dataset ships its own split column. */
const splitSource = h('div', { id: 'split-source', class: 'field hidden' });
const openButton = h('vscode-button', { id: 'open-file', secondary: true }, 'Open file');
const searchField = h('vscode-textfield', { id: 'search', placeholder: 'Search text or label', label: 'Search rows' });

// Hub datasets: where it comes from, its licence, and the config/split pickers.
const hubConfigSelect = h('vscode-single-select', { id: 'hub-config', label: 'Config' });
const hubSplitSelect = h('vscode-single-select', { id: 'hub-split', label: 'Split' });
const hubSource = h('div', { id: 'hub-source' });
const hubLicense = h('div', { id: 'hub-license', class: 'muted' });

const field = (id: string, label: string, control: HTMLElement) =>
  h('div', { class: 'field' }, h('vscode-label', { for: id }, label), control);

const warnings = h('section', { class: 'hidden', 'aria-label': 'Warnings' });
const balanceBox = h('div', { id: 'balance' });
const histBox = h('div', { id: 'histogram' });
const rows = new RowsView(
  (r) => api.post({ type: 'requestRows', ...r }),
  (row) => {
    if (state && state.scrollRow !== row) {
      state.scrollRow = row;
      saveState();
    }
  },
);

appRoot().append(
  h(
    'header',
    { class: 'row space-between' },
    h('div', {}, title, subtitle),
    h('div', { class: 'row' }, openButton, trainButton),
  ),
  busyBar,
  busyText,
  errorBox,
  h(
    'section',
    { class: 'row controls hidden', id: 'hub', 'aria-label': 'Hugging Face dataset' },
    h('div', {}, hubSource, hubLicense),
    field('hub-config', 'Config', hubConfigSelect),
    field('hub-split', 'Split', hubSplitSelect),
  ),
  h(
    'section',
    { class: 'row controls', 'aria-label': 'Columns and split' },
    field('text-field', 'Text column', textSelect),
    field('label-field', 'Label column', labelSelect),
    field('test-split', 'Test fraction', testSplitField),
    field('seed', 'Seed', seedField),
    splitSource,
  ),
  warnings,
  h(
    'div',
    { class: 'charts' },
    h('section', { 'aria-labelledby': 'balance-h' }, h('h2', { id: 'balance-h' }, 'Class balance'), balanceBox),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, 'Text length'), histBox),
  ),
  h(
    'section',
    { 'aria-labelledby': 'rows-h', class: 'rows-section' },
    h('h2', { id: 'rows-h' }, 'Rows'),
    field('search', 'Search', searchField),
    rows.element,
  ),
);

// ---- rendering ----------------------------------------------------------------------------------------------
function fillSelect(select: HTMLElement & { value: string }, names: string[], value: string): void {
  // `selected` on the option: vscode-single-select resets to the first option when its children are replaced.
  select.replaceChildren(...names.map((n) => h('vscode-option', { value: n, selected: n === value }, n)));
  select.value = value;
}

function showSummary(summary: DatasetSummary, split: SplitSettings): void {
  const samePath = state?.path === summary.path;
  const sameColumns = samePath && state?.textField === summary.textField && state?.labelField === summary.labelField;
  const search = samePath ? (state?.search ?? '') : '';
  const scrollRow = sameColumns ? (state?.scrollRow ?? 0) : 0;
  document.body.classList.add('has-data');
  state = {
    path: summary.path,
    textField: summary.textField,
    labelField: summary.labelField,
    split,
    search,
    scrollRow,
    summary,
    ...(hub ? { hub } : {}),
  };
  saveState();

  title.textContent = hub ? hubTitle(hub) : summary.path.split(/[\\/]/).pop() || summary.path;
  subtitle.textContent = `${summary.format.toUpperCase()} · ${fmtInt(summary.rows)} rows · ${summary.classes.length} classes · ${summary.path}`;
  const names = summary.columns.map((c) => c.name);
  fillSelect(textSelect, names, summary.textField);
  fillSelect(labelSelect, names, summary.labelField);
  testSplitField.value = String(split.testSplit);
  seedField.value = String(split.seed);
  const fromColumn = summary.splitField !== undefined;
  for (const f of [testSplitField, seedField]) f.parentElement?.classList.toggle('hidden', fromColumn);
  splitSource.classList.toggle('hidden', !fromColumn);
  if (fromColumn) {
    const c = summary.splitCounts;
    splitSource.replaceChildren(
      h('vscode-label', {}, 'Split'),
      h(
        'div',
        { class: 'split-from-column' },
        `from column "${summary.splitField}"` +
          (c ? ` (${fmtInt(c.train)} train · ${fmtInt(c.test)} test · ${fmtInt(c.validation)} validation)` : ''),
      ),
    );
  }
  (searchField as HTMLElement & { value: string }).value = search;

  warnings.replaceChildren();
  if (summary.warnings.length > 0) {
    const list = h('ul', { class: 'warning-list' });
    for (const w of summary.warnings) list.append(h('li', { 'data-kind': w.kind }, w.message));
    warnings.append(h('h2', {}, `Warnings (${summary.warnings.length})`), list);
  }
  warnings.classList.toggle('hidden', summary.warnings.length === 0);
  balanceBox.replaceChildren(classBalance(summary));
  histBox.replaceChildren(lengthHistogram(summary));
  trainButton.toggleAttribute('disabled', summary.rows === 0);
  rows.reset(search, search ? undefined : summary.rows, scrollRow);
}

let hub: DatasetHubView | undefined = state?.hub;

const hubTitle = (v: DatasetHubView): string => `${v.repoId} (${v.config}/${v.split})`;

function showHub(view: DatasetHubView | undefined): void {
  hub = view;
  document.getElementById('hub')!.classList.toggle('hidden', !view);
  if (state) {
    state.hub = view;
    saveState();
  }
  if (!view) return;
  title.textContent = hubTitle(view);
  hubSource.textContent = `Hugging Face: ${view.repoId}`;
  hubLicense.textContent = view.license ? `Licence: ${view.license}` : 'Licence: not stated in the dataset card';
  fillSelect(
    hubConfigSelect,
    view.configs.map((c) => c.name),
    view.config,
  );
  fillSelect(hubSplitSelect, view.configs.find((c) => c.name === view.config)?.splits ?? [view.split], view.split);
}

const onHubChoice = (changed: 'config' | 'split') => () => {
  if (!hub) return;
  const config = (hubConfigSelect as HTMLElement & { value: string }).value;
  const splits = hub.configs.find((c) => c.name === config)?.splits ?? [];
  // A new config starts at its train split (else its first); a new split keeps the config.
  const split =
    changed === 'config'
      ? (splits.find((s) => s === 'train') ?? splits[0])
      : (hubSplitSelect as HTMLElement & { value: string }).value;
  if (config && split && (config !== hub.config || split !== hub.split))
    api.post({ type: 'setHubSplit', config, split });
};
hubConfigSelect.addEventListener('change', onHubChoice('config'));
hubSplitSelect.addEventListener('change', onHubChoice('split'));

function setBusy(busy: boolean, message?: string): void {
  busyBar.classList.toggle('hidden', !busy);
  busyText.classList.toggle('hidden', !busy || !message);
  busyText.textContent = message ?? '';
  trainButton.toggleAttribute('disabled', busy || !state?.summary);
}

// ---- user input ---------------------------------------------------------------------------------------------
const onColumns = () => {
  const textField = (textSelect as HTMLElement & { value: string }).value;
  const labelField = (labelSelect as HTMLElement & { value: string }).value;
  if (textField && labelField && (textField !== state?.textField || labelField !== state?.labelField)) {
    api.post({ type: 'setColumns', textField, labelField });
  }
};
textSelect.addEventListener('change', onColumns);
labelSelect.addEventListener('change', onColumns);

const onSplit = () => {
  const testSplit = Number(testSplitField.value);
  const seed = Number(seedField.value);
  const splitOk = testSplitField.value !== '' && testSplit > 0 && testSplit < 1;
  const seedOk = seedField.value !== '' && Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffffffff;
  testSplitField.invalid = !splitOk;
  seedField.invalid = !seedOk;
  if (!splitOk || !seedOk || !state) return;
  state.split = { testSplit, seed };
  saveState();
  api.post({ type: 'setSplit', testSplit, seed });
};
testSplitField.addEventListener('change', onSplit);
seedField.addEventListener('change', onSplit);

searchField.addEventListener(
  'input',
  debounce(() => {
    const search = (searchField as HTMLElement & { value: string }).value.slice(0, 1000);
    if (!state || search === state.search) return;
    state.search = search;
    state.scrollRow = 0;
    saveState();
    rows.reset(search, search ? undefined : state.summary?.rows, 0);
  }, 250),
);
trainButton.addEventListener('click', () => !trainButton.hasAttribute('disabled') && api.post({ type: 'train' }));
openButton.addEventListener('click', () => api.post({ type: 'openFile' }));

// ---- host messages ------------------------------------------------------------------------------------------
let hostSummaries = 0;
onHostMessage(parseDatasetHostMessage, (m) => {
  switch (m.type) {
    case 'summary':
      errorBox.classList.add('hidden');
      showSummary(m.summary, m.split);
      // Tells a test that the host's summary (not just the saved state) has been drawn.
      document.body.dataset.hostSummaries = String(++hostSummaries);
      break;
    case 'rows':
      rows.receive(m.requestId, m.offset, m.search, m.result);
      break;
    case 'error':
      errorBox.textContent = m.message;
      errorBox.classList.remove('hidden');
      setBusy(false);
      // Nothing was read: the subtitle must not keep saying it is being read next to the error.
      if (!document.body.classList.contains('has-data')) subtitle.textContent = 'The dataset could not be read.';
      break;
    case 'busy':
      setBusy(m.busy, m.message);
      break;
    case 'hub':
      showHub(m.hub ?? undefined);
      break;
  }
});
if (hub) showHub(hub);

if (state?.summary) showSummary(state.summary, state.split);
api.post({ type: 'ready' });
