/**
 * From per-token scores to what the editor paints (pure, no `vscode`: the score painter, the hover, the panel and
 * tests share it). Tokens are grouped into paint units (src/protocol/paintUnits.ts: the pieces of one character or
 * grapheme cluster are painted once); a unit's score is the mean of its pieces' scores (each piece's V·x + b is a
 * readout of the same character) and its contribution the sum. Colours are diverging and centred on the threshold:
 * level k of LEVELS on the side of the sign of (score − threshold), scaled by the document's largest |score − threshold|.
 */
import { paintUnits } from '../../protocol/paintUnits';
import type { ScoredToken } from '../../protocol/tokenScores';

/** Colour levels per side (package.json: probescope.scoreNegative1..4, probescope.scorePositive1..4). */
export const SCORE_LEVELS = 4;

export const scoreColorId = (side: 'positive' | 'negative', level: number): string =>
  `probescope.score${side === 'positive' ? 'Positive' : 'Negative'}${level}`;

export interface ScoredUnit {
  /** Index of the unit's first token in the result's tokens. */
  index: number;
  tokens: number[];
  /** UTF-16 offsets into the scored text. */
  start: number;
  end: number;
  score: number;
  contribution?: number;
  /** Model run the unit's (first) token came from. */
  window: number;
  /** −LEVELS..LEVELS: sign = side of the threshold, 0 = not painted (at the threshold). */
  level: number;
}

/** Largest |score − threshold| over the units (the colour scale's end); 0 when every unit sits on the threshold. */
export function scoreScale(scores: readonly number[], threshold: number): number {
  let m = 0;
  for (const s of scores) m = Math.max(m, Math.abs(s - threshold));
  return m;
}

/** Level of one score: ceil(|score − threshold| / scale · LEVELS), signed; 0 when scale is 0 or score = threshold. */
export function scoreLevel(score: number, threshold: number, scale: number): number {
  const d = score - threshold;
  if (!(scale > 0) || d === 0 || !Number.isFinite(d)) return 0;
  const k = Math.min(SCORE_LEVELS, Math.max(1, Math.ceil((Math.abs(d) / scale) * SCORE_LEVELS)));
  return d > 0 ? k : -k;
}

/** Paint units of the tokens that cover text (<bos> and other empty spans are skipped), with levels. */
export function scoreUnits(text: string, tokens: readonly ScoredToken[], threshold: number): ScoredUnit[] {
  const units = paintUnits(text, tokens);
  const scored = units.map((u) => {
    let score = 0;
    let contribution: number | undefined;
    for (const i of u.tokens) {
      score += tokens[i]!.score;
      const c = tokens[i]!.contribution;
      if (c !== undefined) contribution = (contribution ?? 0) + c;
    }
    return {
      index: u.tokens[0]!,
      tokens: u.tokens,
      start: u.start,
      end: u.end,
      score: score / u.tokens.length,
      ...(contribution !== undefined ? { contribution } : {}),
      window: tokens[u.tokens[0]!]!.window,
      level: 0,
    };
  });
  const scale = scoreScale(
    scored.map((u) => u.score),
    threshold,
  );
  for (const u of scored) u.level = scoreLevel(u.score, threshold, scale);
  return scored;
}

/** A run of consecutive units whose score passes the threshold (UTF-16 offsets into the scored text). */
export interface FiringSpan {
  start: number;
  end: number;
  /** Largest score in the span and the units it covers [first, last]. */
  peak: number;
  units: [number, number];
}

/**
 * Maximal runs of consecutive units with score > threshold; a gap of whitespace only between two firing units does
 * not break a run (so a firing phrase is one span). Sorted by position.
 */
export function firingSpans(text: string, units: readonly ScoredUnit[], threshold: number): FiringSpan[] {
  const spans: FiringSpan[] = [];
  let open: FiringSpan | undefined;
  units.forEach((u, k) => {
    if (u.score > threshold) {
      if (open && /^\s*$/.test(text.slice(open.end, u.start))) {
        open.end = u.end;
        open.peak = Math.max(open.peak, u.score);
        open.units[1] = k;
      } else {
        open = { start: u.start, end: u.end, peak: u.score, units: [k, k] };
        spans.push(open);
      }
    } else if (u.end > u.start && !/^\s*$/.test(text.slice(u.start, u.end))) {
      open = undefined;
    }
  });
  return spans;
}

/**
 * The span after / before the editor's selection `at` (offsets into the scored text; an empty selection is the
 * cursor), wrapping around, for the next/previous firing span commands. Next: the first span starting after the
 * selection's start, or starting at it and not already selected (a cursor at a span's start jumps to that span, so
 * the first span of a document is reached from its start). Previous: the last span starting before the selection's
 * start (a selected span's predecessor; a cursor inside a span selects that span).
 */
export function adjacentSpan(
  spans: readonly FiringSpan[],
  at: { start: number; end: number },
  direction: 'next' | 'previous',
): FiringSpan | undefined {
  if (spans.length === 0) return undefined;
  if (direction === 'next')
    return spans.find((s) => s.start > at.start || (s.start === at.start && at.end < s.end)) ?? spans[0];
  for (let i = spans.length - 1; i >= 0; i--) if (spans[i]!.start < at.start) return spans[i];
  return spans[spans.length - 1];
}

/** The k spans with the highest peak, highest first (the score panel's list). */
export function topSpans(spans: readonly FiringSpan[], k: number): FiringSpan[] {
  return [...spans].sort((a, b) => b.peak - a.peak).slice(0, k);
}
