/** Sizes given on the command line: `256MB`, `1.5GiB`, `64k`, `1000000` (bytes). */
import { ProbescopeError } from '../../core/errors';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/** Bytes of a size such as `256MB` (SI: MB = 10^6) or `256MiB` (2^20); BAD_ARGUMENT naming `option` otherwise. */
export function parseByteSize(spec: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(spec);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes))
    throw new ProbescopeError(
      'BAD_ARGUMENT',
      `${option} "${spec}" is not a size: use a number of bytes with an optional unit (64MB, 512MiB, 2GB).`,
    );
  return bytes;
}
