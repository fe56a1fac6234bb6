// The engine's public surface (no `vscode` import anywhere below): the worker and the CLI import from here.
export * from './errors';
export * from './data';
export * from './probes';
export * from './model';
export * from './activations';
export * from './scoring';
