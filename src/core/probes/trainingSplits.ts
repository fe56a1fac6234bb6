/**
 * Which rows a training run trains, validates and tests on. Three sources of the train/test split:
 * - random (default): seeded stratified split with `testSplit` of the rows for test;
 * - a split field of the dataset (`splitField`): its train / test / validation rows, as given;
 * - a second file (`testDataPath`): train on the dataset, test on that file (its labels must be the probe's classes).
 * Validation: the given validation rows if there are any; otherwise the 'fast' preset carves at most
 * VALIDATION_FRACTION of the train rows (validationSplit; none when classes are too small), and the 'reference'
 * preset trains on every train row, as EleutherAI's trainer does.
 * Identical texts form one group (groupedSplit.ts): the random split and the carved validation never divide a group,
 * so a duplicated row cannot leak between train and test; without duplicates these are the plain stratified splits.
 */
import * as path from 'node:path';
import { sortedClasses, splitRoles } from '../data';
import { groupedStratifiedSplitBy, groupedValidationSplitBy, noRepeatedIds } from '../data/groupedSplit';
import type { LabelCodes } from '../data/labelCodes';
import { uncompressedName } from '../data/compression';
import { lookAlikeHint } from '../data/labelColumn';
import { validationSplitBy } from '../data/validationSplit';
import { concatSources, type TextSource } from '../data/textSource';
import { trainingGroups, type DatasetSummary } from '../data/trainingRows';
import { readTrainingRows } from '../chat/chatDataset';
import { ProbescopeError } from '../errors';
import type { SplitRecord, TrainProbeParams } from '../../protocol/types';
import * as defaults from './defaults';

export interface SplitPlan {
  /**
   * Every text the run needs (the dataset's rows, then the test file's rows), streamed from the file(s) when they are
   * large (readTrainingRows): consumers scan it batch by batch.
   */
  texts: TextSource;
  /** Label per text (codes into its names: LabelCodes). */
  labels: LabelCodes;
  /** Group id per text: identical texts share one (textGroups). */
  groups: ArrayLike<number>;
  classes: string[];
  /** Indices into texts/labels, ascending within each list (typed: 4 bytes a row, outside the JS heap). */
  train: Uint32Array;
  val: Uint32Array;
  test: Uint32Array;
  ds: DatasetSummary & { chat?: string };
  /** The --test-data file, when given (its warnings are reported beside the dataset's). */
  testDs?: DatasetSummary;
  /** What probe.json records under training.split. */
  record: SplitRecord;
}

/**
 * The run's texts, labels and train/validation/test rows (see SplitPlan). `log`, when given, receives each file's
 * warnings as soon as that file is read ("Dataset: …", "Test data: …"), so they are seen even when planning then
 * refuses the data (an id column as the label: "no test rows"). DATASET_INVALID / BAD_ARGUMENT as the messages say.
 */
export async function planSplits(
  params: TrainProbeParams,
  preset: defaults.Preset,
  seed: number,
  log?: (line: string) => void,
): Promise<SplitPlan> {
  if (params.splitField !== undefined && params.testDataPath !== undefined)
    throw new ProbescopeError('BAD_ARGUMENT', 'Give either --split-field or --test-data, not both.');
  if (params.testSplit !== undefined && (params.splitField !== undefined || params.testDataPath !== undefined))
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `--test-split draws a random split; it cannot be combined with ${params.splitField !== undefined ? '--split-field' : '--test-data'}.`,
    );
  // With --chat, texts are the conversations rendered by the model's chat template (readDatasetForModel).
  const rows = await readTrainingRows(
    params.dataPath,
    {
      textField: params.textField,
      labelField: params.labelField,
      splitField: params.splitField,
      chat: params.chat,
      encoding: params.encoding,
      delimiter: params.delimiter,
      quote: params.quote,
    },
    params.modelDir,
  );
  const ds = rows.ds;
  for (const w of ds.warnings) log?.(`Dataset: ${w.message}`);
  let texts = rows.texts;
  let labels = rows.labels;
  let parts = [rows];
  let train: Uint32Array;
  let test: Uint32Array;
  let groups: ArrayLike<number> | undefined;
  let testDs: DatasetSummary | undefined;
  let given = new Uint32Array(0);
  let record: Omit<SplitPlan['record'], 'validation' | 'counts'>;
  if (params.splitField !== undefined) {
    const roles = splitRoles(rows.splits ?? [], params.splitField, ds.path);
    const rowsOf = (role: string) => {
      let n = 0;
      for (const r of roles) if (r === role) n++;
      const out = new Uint32Array(n);
      for (let i = 0, at = 0; i < roles.length; i++) if (roles[i] === role) out[at++] = i;
      return out;
    };
    [train, test, given] = [rowsOf('train'), rowsOf('test'), rowsOf('validation')];
    record = { source: 'field', field: params.splitField };
  } else if (params.testDataPath !== undefined) {
    const other = await readTrainingRows(
      params.testDataPath,
      {
        textField: ds.textField,
        labelField: ds.labelField,
        chat: params.chat,
        ...testFileReadOptions(params),
      },
      params.modelDir,
    );
    train = Uint32Array.from({ length: rows.texts.count }, (_, i) => i);
    test = Uint32Array.from({ length: other.texts.count }, (_, i) => rows.texts.count + i);
    texts = concatSources(rows.texts, other.texts);
    labels = rows.labels.concat(other.labels);
    parts = [rows, other];
    record = { source: 'file', testData: other.ds.path };
    testDs = other.ds;
    for (const w of testDs.warnings) log?.(`Test data: ${w.message}`);
  } else {
    const testSplit = params.testSplit ?? defaults.DEFAULT_TEST_SPLIT;
    groups = await trainingGroups(parts);
    const first = rows.labels;
    ({ train, test } = groupedStratifiedSplitBy((i) => first.at(i), groups, testSplit, seed));
    record = { source: 'random', testSplit, seed };
  }
  groups ??= await trainingGroups(parts);
  // A given split (field or file) is the user's and is kept; texts it shares across splits are counted instead.
  const sharedTexts = record.source === 'random' ? undefined : sharedWithTrain(groups, train, test, given);
  // Loops over the index lists rather than mapped copies: no per-row JS array.
  const trainLabels = new Set<string>();
  for (const i of train) trainLabels.add(labels.at(i));
  const classes = sortedClasses(trainLabels);
  if (classes.length < 2)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path} has only one class in its training rows ("${classes[0]}"); a probe needs at least two.`,
    );
  const known = new Set(classes);
  const unseenSet = new Set<string>();
  for (const rows of [test, given]) for (const i of rows) if (!known.has(labels.at(i))) unseenSet.add(labels.at(i));
  const unseen = [...unseenSet];
  if (unseen.length > 0)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `Test or validation rows have labels with no training rows: ${unseen.slice(0, 5).join(', ')} ` +
        `(training classes: ${classes.join(', ')}); a probe cannot predict a class it never saw.` +
        lookAlikeHint(unseen, classes),
    );

  let val = given;
  let validation: SplitPlan['record']['validation'] = given.length > 0 ? 'given' : 'none';
  let validationNote: string | undefined;
  if (given.length === 0 && preset !== 'reference') {
    const outer = train;
    // The training rows' labels as a view (no per-row array of them).
    const labelOf = (j: number) => labels.at(outer[j]);
    // No text repeated anywhere (ids 0, 1, 2, … in row order): groupedValidationSplit would find the training rows'
    // ids all distinct and return validationSplit unchanged, so skip its per-row copies of the ids.
    const inner = noRepeatedIds(groups)
      ? validationSplitBy(outer.length, labelOf, defaults.VALIDATION_FRACTION, seed + 1)
      : groupedValidationSplitBy(
          labelOf,
          Int32Array.from(outer, (i) => groups[i]),
          defaults.VALIDATION_FRACTION,
          seed + 1,
        );
    val = inner.validation.map((j) => outer[j]);
    train = inner.train.map((j) => outer[j]);
    validation = val.length > 0 ? 'carved' : 'none';
    validationNote = inner.skipped;
  }
  if (test.length === 0)
    throw new ProbescopeError(
      'DATASET_INVALID',
      `${ds.path}: no test rows${record.source === 'random' ? `: no class has enough rows to put one in the test split (${classes.length} classes in ${train.length + val.length} rows; is "${ds.labelField}" the class column?)` : ''}.`,
    );
  return {
    texts,
    labels,
    groups,
    classes,
    train,
    val,
    test,
    ds,
    ...(testDs ? { testDs } : {}),
    record: {
      ...record,
      validation,
      ...(validation === 'carved' ? { validationFraction: defaults.VALIDATION_FRACTION } : {}),
      ...(validationNote ? { validationNote } : {}),
      counts: { train: train.length, validation: val.length, test: test.length },
      ...(sharedTexts && sharedTexts.test + sharedTexts.validation > 0 ? { sharedTexts } : {}),
    },
  };
}

/**
 * How the --test-data file is read: with --encoding, and with --delimiter / --quote only when it has the same
 * extension as --data (a TSV test file for a semicolon CSV keeps its own detected dialect), a trailing `.gz` aside
 * (`train.csv` and `test.csv.gz` are one format; `train.csv.gz` and `test.tsv.gz` are not).
 */
export function testFileReadOptions(
  params: Pick<TrainProbeParams, 'dataPath' | 'testDataPath' | 'encoding' | 'delimiter' | 'quote'>,
): Pick<TrainProbeParams, 'encoding' | 'delimiter' | 'quote'> {
  const ext = (f: string | undefined) => path.extname(uncompressedName(f ?? '')).toLowerCase();
  const sameFormat = ext(params.dataPath) === ext(params.testDataPath);
  return {
    encoding: params.encoding,
    ...(sameFormat ? { delimiter: params.delimiter, quote: params.quote } : {}),
  };
}

/**
 * How many test rows and how many given-validation rows have the same text as a training row (same group id).
 * Such rows are not held out: a given split (--split-field, --test-data) is used as given, so they are reported.
 */
export function sharedWithTrain(
  groups: ArrayLike<number>,
  train: ArrayLike<number>,
  test: ArrayLike<number>,
  validation: ArrayLike<number>,
): { test: number; validation: number } {
  // Group ids are row numbers of first occurrences (textGroups, groupsByKey): one byte per id marks the training ones.
  let max = 0;
  for (let i = 0; i < groups.length; i++) max = Math.max(max, groups[i]);
  const inTrain = new Uint8Array(max + 1);
  for (let k = 0; k < train.length; k++) inTrain[groups[train[k]]] = 1;
  const count = (rows: ArrayLike<number>) => {
    let c = 0;
    for (let k = 0; k < rows.length; k++) c += inTrain[groups[rows[k]]];
    return c;
  };
  return { test: count(test), validation: count(validation) };
}

/** The warning line for rows a given split shares with its training rows, or undefined when there are none. */
export function sharedTextsWarning(record: SplitRecord): string | undefined {
  const s = record.sharedTexts;
  if (!s || s.test + s.validation === 0) return undefined;
  const parts = [
    ...(s.test > 0 ? [`${s.test} test row(s)`] : []),
    ...(s.validation > 0 ? [`${s.validation} validation row(s)`] : []),
  ];
  const where = record.source === 'field' ? `the split field "${record.field}"` : '--test-data';
  return (
    `warning: ${parts.join(' and ')} have the same text as a training row; ${where} is used as given, so ` +
    'those rows are not held out and their scores are optimistic (remove the repeats to hold them out).'
  );
}
