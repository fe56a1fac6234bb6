// The model subsystem's surface: folder + config, tokenizer with offsets, Hub download, graph surgery, extraction.
export * from './config';
export * from './modelFolder';
export * from './bundledModel';
export * from './tokenOffsets';
export * from './tokenizer';
export { downloadModel, type DownloadHooks } from './hubDownload';
export { type HubFile, listHubFiles, chooseOnnxFile } from './hubListing';
export * from './residualTaps';
export * from './prune';
export * from './tappedModel';
export * from './session';
export * from './extractor';
export * from './loadModel';
export * from './layerSemantics';
export * from './graphKind';
export * from './extractionLayout';
