export {
  readDataset,
  datasetFromTable,
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
export { textGroups, groupedStratifiedSplit, groupedKFold, groupedValidationSplit } from './groupedSplit';
export { loadTable, formatOf, type DatasetFormat, type DatasetReadOptions, type RawTable } from './records';
export { canonicalDecimal, isMissing, MISSING_SPELLINGS } from './cellValues';

export { splitRoles, detectSplitColumn, SPLIT_ROLES, SPLIT_COLUMN_NAMES, type SplitRole } from './givenSplit';
export { validationSplit, type ValidationSplit } from './validationSplit';
export { tinyClassWarnings } from './classBalance';
