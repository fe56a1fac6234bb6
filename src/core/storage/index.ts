// Safe file access: bounded reads of user-controlled files, crash-safe folder swaps, readable fs errors, test hooks.
export * from './boundedRead';
export * from './fileChecksum';
export * from './folderSwap';
export * from './fsErrors';
export * from './testHooks';
