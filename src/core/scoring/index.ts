export * from './windowPlan';
export * from './probeReadout';
export * from './stitchedStates';
export * from './tokenScorer';
export * from './scoreTarget';
export * from './scoreText';
