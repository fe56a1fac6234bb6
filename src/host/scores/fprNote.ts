/**
 * The line under the score panel's plot (pure, no `vscode`): what the points are on the probe's logit scale, and the
 * 1 % FPR threshold line's meaning — or why the probe has none (docs/CONTRACTS.md "1 % FPR threshold").
 */
import type { TokenScoresResult } from '../../protocol/tokenScores';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** What one point of the plot is, per probe kind (the scale the thresholds share). */
export function pointMeaning(probe: TokenScoresResult['probe']): string {
  if (probe === 'mean') return 'each point is a token’s V·x + b (their mean is the document’s logit)';
  if (probe === 'last') return 'each point is the probe’s logit on the text up to that token';
  return (
    'each point is a token’s value score u = Σ_h (V_h·x + b_h), the logit the probe gives when every head attends ' +
    'to that token (contributions, which sum to the logit, are not on this scale)'
  );
}

/** The note: the 1 % FPR line's value, rates and source, or the reason it is unavailable. */
export function fprNote(result: TokenScoresResult): string {
  const f = result.fprThreshold;
  const scale = `Scores are on the probe’s logit scale: ${pointMeaning(result.probe)}.`;
  if (!f.available) return `${scale} No 1 % FPR line: ${f.reason}`;
  return (
    `${scale} Dotted line: ${f.value.toFixed(3)}, the score above which the probe fires on ≤ 1 % of the negatives ` +
    `of its test split (FPR ${pct(f.fpr)}, TPR ${pct(f.tpr)}, ${f.negatives} negatives; ${f.source}).`
  );
}
