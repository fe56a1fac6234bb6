// Evaluation a researcher can publish: metrics with known definitions, bootstrap intervals, paired comparisons.
export * from './classificationMetrics';
export * from './bootstrap';
export * from './fprThreshold';
