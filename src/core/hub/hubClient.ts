import { HubApiError } from '@huggingface/hub';
import { ProbescopeError } from '../errors';
import type { HubRepoType } from './hubCache';
import { hubOffline, resolveHubToken } from './hubToken';

/** Everything a call into @huggingface/hub needs: where, who, and how to stop. */
export interface HubSession {
  /** https://huggingface.co, or HF_ENDPOINT (tests point it at a local fake Hub), no trailing slash. */
  endpoint: string;
  token?: string;
  /** HF_HUB_OFFLINE: only the cache may be used. */
  offline: boolean;
  /** fetch with the session's AbortSignal; passed to every library call. */
  fetch: typeof fetch;
  signal?: AbortSignal;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export async function openHubSession(opts: {
  endpoint?: string;
  token?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}): Promise<HubSession> {
  const env = opts.env ?? process.env;
  const endpoint = (opts.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const token = await resolveHubToken(opts.token, env);
  if (token !== undefined && !token.startsWith('hf_')) {
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      'The Hugging Face token does not start with "hf_"; create a read token at https://huggingface.co/settings/tokens and log in again (huggingface-cli login, or set HF_TOKEN).',
    );
  }
  const signal = opts.signal;
  const abortable: typeof fetch = (input, init) => fetch(input, { ...init, signal, redirect: 'follow' });
  return { endpoint, token, offline: hubOffline(env), fetch: abortable, signal };
}

/** The library's common parameters for a repo. */
export function hubParams(session: HubSession, type: HubRepoType, repoId: string) {
  return {
    repo: { type, name: repoId } as const,
    hubUrl: session.endpoint,
    accessToken: session.token,
    fetch: session.fetch,
  };
}

/** The Hub page of a repo (always huggingface.co: that is where licences are accepted). */
export function repoPage(type: HubRepoType, repoId: string): string {
  return `https://huggingface.co/${type === 'dataset' ? 'datasets/' : ''}${repoId}`;
}

/**
 * Maps whatever a library call threw to a ProbescopeError that says what to do: 401/403 (gated or private repo),
 * 404, 429, other HTTP statuses, network failures, cancellation.
 */
export function hubFailure(
  err: unknown,
  session: HubSession,
  type: HubRepoType,
  repoId: string,
  what: string,
): ProbescopeError {
  if (err instanceof ProbescopeError) return err;
  if (session.signal?.aborted) return new ProbescopeError('CANCELLED', 'Download cancelled; run it again to resume.');
  const status = err instanceof HubApiError ? err.statusCode : undefined;
  const page = repoPage(type, repoId);
  if (status === 401 || status === 403) {
    const hint = session.token
      ? `your token has no access: accept the licence on ${page} while logged in with the same account, or use a token with read access`
      : `gated or private repo: accept the licence on ${page}, then log in (huggingface-cli login) or set HF_TOKEN`;
    return new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face refused ${what} (HTTP ${status}): ${hint}.`);
  }
  if (status === 404) {
    return new ProbescopeError(
      'DOWNLOAD_FAILED',
      `No such repo/file on Hugging Face: ${what} (HTTP 404); check the ${type} id and revision.`,
    );
  }
  if (status === 429) {
    return new ProbescopeError(
      'DOWNLOAD_FAILED',
      `Hugging Face is rate-limiting requests for ${what} (HTTP 429); wait a minute and retry, or log in.`,
    );
  }
  if (status !== undefined) {
    return new ProbescopeError('DOWNLOAD_FAILED', `Hugging Face answered HTTP ${status} for ${what}; retry later.`);
  }
  return new ProbescopeError(
    'DOWNLOAD_FAILED',
    `Cannot reach ${session.endpoint} for ${what} (${describeFetchError(err)}); check the network connection or proxy settings, or set HF_HUB_OFFLINE=1 to use only the cache.`,
  );
}

export function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
