// The engine's public surface (no `vscode` import anywhere below): the worker and the CLI import from here.
export * from './errors';
export * from './data';
export * from './probes';
export * from './model';
export * from './activations';
export * from './evaluation';
export { compareProbes } from './evaluation/compareProbes';
export { comparisonCsv, comparisonMarkdown } from './evaluation/comparisonTable';
export * from './chat';
export { openHubDataset, parseHfDatasetUri, PARQUET_REVISION } from './hub/hubDataset';
export { hubCacheDir } from './hub/hubCache';
export * from './scoring';
