// Chat formatting: a model's chat template rendered with @huggingface/jinja, tokens mapped back to message text.
export * from './chatTemplate';
export * from './chatFormat';
export * from './chatTokens';
export * from './chatSpec';
export * from './chatDataset';
