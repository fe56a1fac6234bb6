/**
 * scoreText: a saved probe's per-token scores over a text of any length (docs/CONTRACTS.md "Token scores").
 * The text is cut into overlapping windows of the model's length (windowPlan.ts); windows run through the model in
 * batches (`windowsPerRun` per extractor call, padded together), each token's state is read from the window where it
 * has the most left context, and every window's own logit is kept for the hover / CLI `windows`.
 */
import type { ScoredToken, ScoredWindow, ScoreTextParams, TokenScoresResult } from '../../protocol/tokenScores';
import type { LayerSpec, ProbeKind, TokenSpan } from '../../protocol/types';
import { ProbescopeError, throwIfAborted } from '../errors';
import type { ActivationExtractor } from '../model/extractor';
import type { ProbeParams } from '../probes/probeParams';
import { cachedExtractor, probeWithModel } from '../probes/runtime';
import { monitorThreshold } from './monitorThreshold';
import { resolveScoreTarget } from './scoreTarget';
import { logitsFromReadouts, newStateReadout, readState, TokenScorer } from './tokenScorer';
import { defaultOverlap, leadsWithBos, planWindows, rowInWindow, windowIds, type TokenWindow } from './windowPlan';
import { previousRun, rememberRun, reusableWindows, type ScoreRun, type WindowReadouts } from './scoreReuse';

export interface ScoreHooks {
  signal?: AbortSignal;
  onWindows?(done: number, total: number): void;
  /** Windows per extractor call, run as one padded batch (default 4: faster than 16 on CPU at 512 tokens). */
  windowsPerRun?: number;
}

/** Core of scoreText once the probe and extractor are loaded (tests and benches call it with their own extractor). */
export async function scoreSpans(
  extractor: ActivationExtractor,
  probe: ProbeParams,
  kind: ProbeKind,
  layer: LayerSpec,
  spans: TokenSpan[],
  opts: { strideTokens?: number; previous?: ScoreRun } & ScoreHooks,
): Promise<{
  scorer: TokenScorer;
  windows: TokenWindow[];
  windowLogits: Float64Array[];
  tokenWindow: Int32Array;
  strideTokens: number;
  /** This run's per-window readouts (pass as `previous` to re-score an edited text). */
  run: ScoreRun;
  /** Windows taken from `previous` instead of run through the model. */
  reusedWindows: number;
}> {
  const windowTokens = extractor.maxLength;
  const bos = leadsWithBos(spans, extractor.bosId);
  const capacity = windowTokens - (bos ? 1 : 0);
  const stride = opts.strideTokens;
  if (stride !== undefined && !(Number.isInteger(stride) && stride >= 1 && stride <= capacity))
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The stride must be a whole number of tokens from 1 to ${capacity} (the window of ${windowTokens} tokens${bos ? ' less its <bos>' : ''}); got ${stride}.`,
    );
  const overlapTokens = stride !== undefined ? capacity - stride : defaultOverlap(windowTokens);
  const windows = planWindows(spans.length, { windowTokens, bos, overlapTokens });
  const ids = Int32Array.from(spans, (t) => t.id);
  const D = probe.D;
  const H = probe.H;
  const C = probe.C;
  const kept: WindowReadouts[] = new Array(windows.length);
  const reused = reusableWindows(opts.previous, ids, windows);
  reused.forEach((k) => (kept[k] = opts.previous!.kept[k]!));
  const todo = windows.map((_, k) => k).filter((k) => !kept[k]);
  const r = newStateReadout(probe);
  const perRun = Math.max(1, opts.windowsPerRun ?? 4);
  for (let i = 0; i < todo.length; i += perRun) {
    throwIfAborted(opts.signal);
    const group = todo.slice(i, i + perRun);
    const states = await extractor.extractIds(
      group.map((k) => windowIds(ids, windows[k]!)),
      { signal: opts.signal, batchSize: perRun },
    );
    group.forEach((k, g) => {
      const w = windows[k]!;
      const s = states[g]!.get(layer);
      if (!s) throw new ProbescopeError('INTERNAL', `The extractor returned no states for layer ${layer}.`);
      const rows = w.end - w.start + (w.withBos ? 1 : 0);
      const qx = new Float64Array(rows * H);
      const v = new Float64Array(rows * H * C);
      for (let row = 0; row < rows; row++) {
        readState(probe, kind, s, row * D, r);
        qx.set(r.qx, row * H);
        v.set(r.v, row * H * C);
      }
      const first = rowInWindow(w, w.keepFrom);
      const last = rowInWindow(w, w.end);
      kept[k] = {
        qx: qx.slice(first * H, last * H),
        v: v.slice(first * H * C, last * H * C),
        logits: logitsFromReadouts(probe, kind, rows, qx, v),
      };
    });
    opts.onWindows?.(Math.min(todo.length, i + perRun), todo.length);
  }
  const scorer = new TokenScorer(probe, kind, spans.length);
  const tokenWindow = new Int32Array(spans.length);
  windows.forEach((w, k) => {
    const kr = kept[k]!;
    for (let t = w.keepFrom; t < w.end; t++) {
      const j = t - w.keepFrom;
      r.qx.set(kr.qx.subarray(j * H, (j + 1) * H));
      r.v.set(kr.v.subarray(j * H * C, (j + 1) * H * C));
      scorer.add(r);
      tokenWindow[t] = k;
    }
  });
  return {
    scorer,
    windows,
    windowLogits: kept.map((x) => x.logits),
    tokenWindow,
    strideTokens: capacity - overlapTokens,
    run: { ids, windows, kept },
    reusedWindows: reused.length,
  };
}

/**
 * Scores every token of `params.text` with the probe in `params.probeDir` (shapes: protocol/tokenScores.ts).
 * Errors: BAD_ARGUMENT for an empty text, an unknown class, a window shorter than 2 tokens or a bad stride;
 * PROBE_MISMATCH when the model is not the probe's; CANCELLED when the signal fires (between window batches).
 */
export async function scoreText(params: ScoreTextParams, hooks: ScoreHooks = {}): Promise<TokenScoresResult> {
  const { probe, manifest, folder } = await probeWithModel(params.probeDir, params.modelDir);
  const trained = typeof manifest.training.maxLength === 'number' ? manifest.training.maxLength : undefined;
  // The model saw positions 0..max_position_embeddings−1 only: a longer window would read states at positions it was
  // never trained for (refused when asked for; a probe trained longer is scored in windows the model can hold).
  const maxPositions = folder.config.maxPositions ?? undefined;
  const windowTokens =
    params.windowTokens ?? (trained !== undefined && maxPositions ? Math.min(trained, maxPositions) : trained);
  if (windowTokens !== undefined && !(Number.isInteger(windowTokens) && windowTokens >= 2))
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `The window must be a whole number of at least 2 tokens; got ${windowTokens}.`,
    );
  if (windowTokens !== undefined && maxPositions && windowTokens > maxPositions)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `A window of ${windowTokens} tokens is longer than the model's max_position_embeddings (${maxPositions}): its states past position ${maxPositions - 1} would be untrained; use a window of at most ${maxPositions} tokens.`,
    );
  if (params.versusRest && manifest.classes.length === 2)
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      "Class-vs-rest needs a multiclass probe; a binary probe's score already is one class against the other.",
    );
  // Refuse an unknown class before any model run (resolveScoreTarget names the classes the probe has).
  resolveScoreTarget(manifest.classes, new Float64Array(manifest.classes.length), params);
  const extractor = await cachedExtractor(folder, manifest.layer, params.executionProvider, windowTokens);
  const spans = extractor.tokenize(params.text);
  if (spans.length < 1 || params.text.length === 0)
    throw new ProbescopeError('BAD_ARGUMENT', 'The text is empty: there is nothing to score.');
  const owner = {
    probe,
    extractor,
    layer: String(manifest.layer),
    overlap: params.strideTokens ?? -1,
  };
  const run = await scoreSpans(extractor, probe, manifest.probe, manifest.layer, spans, {
    ...hooks,
    strideTokens: params.strideTokens,
    previous: previousRun(params.reuseKey, owner),
  });
  rememberRun(params.reuseKey, { ...run.run, owner });
  const target = resolveScoreTarget(manifest.classes, run.scorer.logits(), params);
  const s = run.scorer.finish(target.k);
  const fprThreshold = await monitorThreshold(
    {
      probeDir: params.probeDir,
      manifest,
      probe,
      folder,
      executionProvider: params.executionProvider,
      signal: hooks.signal,
    },
    target.className,
    target.versusRest,
  );
  const H = probe.H;
  const tokens: ScoredToken[] = spans.map((t, i) => ({
    id: t.id,
    text: t.text,
    start: t.start,
    end: t.end,
    score: s.score[i]!,
    ...(s.contribution ? { contribution: s.contribution[i]! } : {}),
    ...(s.attention ? { attention: Array.from(s.attention.subarray(i * H, (i + 1) * H)) } : {}),
    window: run.tokenWindow[i]!,
  }));
  const windows: ScoredWindow[] = run.windows.map((w, i) => {
    let logit = 0;
    run.windowLogits[i]!.forEach((z, c) => (logit += target.k[c]! * z));
    return {
      start: spans[w.start]!.start,
      end: spans[w.end - 1]!.end,
      logit,
      tokenStart: w.start,
      tokenEnd: w.end,
      keepFrom: w.keepFrom,
    };
  });
  let predicted = 0;
  if (manifest.classes.length === 2) predicted = s.logits[0]! > 0 ? 1 : 0;
  else s.logits.forEach((z, c) => (predicted = z > s.logits[predicted]! ? c : predicted));
  let end = 0;
  for (const t of spans) if (t.end > end) end = t.end;
  return {
    probe: manifest.probe,
    layer: manifest.layer,
    heads: manifest.probe === 'attention' ? H : 0,
    classes: manifest.classes,
    class: target.className,
    ...(target.versusRest ? { versus: 'rest' as const } : {}),
    label: manifest.classes[predicted]!,
    logit: s.logit,
    threshold: 0,
    fprThreshold,
    tokens,
    windows,
    coverage: { start: 0, end },
    windowTokens: extractor.maxLength,
    strideTokens: run.strideTokens,
    reusedWindows: run.reusedWindows,
  };
}
