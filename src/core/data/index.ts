export {
  readDataset,
  detectFields,
  compareLabels,
  sortedClasses,
  labelToString,
  type Dataset,
  type ReadDatasetOptions,
} from './readDataset';
export { inspectDataset, lengthHistogram } from './inspectDataset';
export { datasetRows } from './datasetRows';
export { stratifiedSplit, kFold } from './splits';
export { loadTable, formatOf, type DatasetFormat, type RawTable } from './records';
export { splitRoles, detectSplitColumn, SPLIT_ROLES, SPLIT_COLUMN_NAMES, type SplitRole } from './givenSplit';
export { validationSplit, type ValidationSplit } from './validationSplit';
export { tinyClassWarnings } from './classBalance';
