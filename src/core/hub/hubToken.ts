import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hfHome } from './hubCache';

/**
 * The Hugging Face token, in huggingface_hub's order: an explicit token (an empty string means "none"), HF_TOKEN
 * (HUGGING_FACE_HUB_TOKEN, its older name), then the file `huggingface-cli login` / `hf auth login` writes:
 * HF_TOKEN_PATH, else HF_HOME/token (HF_HOME defaults to ~/.cache/huggingface).
 */
export async function resolveHubToken(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (explicit !== undefined) return explicit.trim() || undefined;
  const fromEnv = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text?.trim()) return text.trim();
  }
  return undefined;
}

/** HF_HUB_OFFLINE=1 (or true/yes/on), as huggingface_hub reads it. */
export function hubOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE?.trim() ?? '');
}
