/**
 * Typed wrapper over `acquireVsCodeApi()` (callable once per page): post messages to the host, keep panel state,
 * and receive host messages through a validator so panels only ever see well-formed messages.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
function vscode(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export interface PanelApi<ToHost, State> {
  post(message: ToHost): void;
  /** The state saved before a reload, if it passes `parseState`. */
  getState(): State | undefined;
  setState(state: State): void;
}

export function panelApi<ToHost, State>(parseState: (x: unknown) => State | undefined): PanelApi<ToHost, State> {
  return {
    post: (message) => vscode().postMessage(message),
    getState: () => parseState(vscode().getState()),
    setState: (state) => vscode().setState(state),
  };
}

/** Calls `handler` for each host message that `parse` accepts; others are logged and dropped. */
export function onHostMessage<T>(parse: (x: unknown) => T | undefined, handler: (message: T) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const message = parse(event.data);
    if (message === undefined) {
      console.warn('Probescope: ignored malformed host message', event.data);
      return;
    }
    handler(message);
  });
}

/** Runs `fn` at most once per animation frame however often it is scheduled. */
export function frameThrottle(fn: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

/** Runs `fn` once `ms` after the last call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
