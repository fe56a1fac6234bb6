/**
 * What each worker request does, in the words a user reads ("training a probe"). Error messages name the task, never
 * the protocol method (`probescope/trainProbe`): the host's crash/restart/cancel messages and the worker's internal
 * errors both use this table. A request missing here reads as "running a task".
 */
import { Requests } from './worker';

const TASKS: Readonly<Record<string, string>> = {
  [Requests.version.method]: 'reporting its version',
  [Requests.ping.method]: 'answering a ping',
  [Requests.longTask.method]: 'running a diagnostic task',
  [Requests.loadModel.method]: 'loading the model',
  [Requests.downloadModel.method]: 'downloading the model',
  [Requests.tokenize.method]: 'tokenizing the text',
  [Requests.inspectDataset.method]: 'reading the dataset',
  [Requests.datasetRows.method]: 'reading rows of the dataset',
  [Requests.trainProbe.method]: 'training a probe',
  [Requests.evalProbe.method]: 'evaluating a probe',
  [Requests.classify.method]: 'classifying the selection',
  [Requests.layerSweep.method]: 'running a layer sweep',
  [Requests.listProbes.method]: 'listing the probes',
};

/** The user-facing name of the task behind a request method, e.g. 'probescope/trainProbe' → 'training a probe'. */
export function taskName(method: string): string {
  return TASKS[method] ?? 'running a task';
}
