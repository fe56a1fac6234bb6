export * from './windowPlan';
export * from './probeReadout';
export * from './stitchedStates';
