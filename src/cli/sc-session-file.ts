/**
 * `keyhole send --sc-session FILE`: the SC session (its two AES keys) kept between calls, and what the
 * CLI learnt about single-use refresh tokens (issue #9 "Single-use tokens are never burnt by accident").
 *
 * The file holds raw session keys, so it is created with mode 0600 (written to a 0600 temporary file in
 * the same folder, then renamed: never a moment with looser rights or half a file) and refused when
 * other users can read it, the way ssh refuses a private key. Refresh tokens are never stored: only
 * their SHA-256, enough to recognise a token presented again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as z from '../protocol/zod';
import { KeyholeError } from '../protocol/errors';
import { ScSessionStateSchema, type ScSessionState } from '../client/secure-channel';

export const SC_SESSION_FILE_KIND = 'keyhole-sc-session/1';
/** Enough to remember every token a long scripted session rotated through, bounded all the same. */
export const MAX_REMEMBERED_TOKENS = 500;

const Sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const ScSessionFile = z.object({
  kind: z.literal(SC_SESSION_FILE_KIND),
  apiBase: z.string().check(z.maxLength(2048)),
  portal: z.optional(z.string().check(z.maxLength(32))),
  clientHash: z.string().check(z.minLength(1), z.maxLength(512)),
  session: z.optional(ScSessionStateSchema),
  /** Refresh tokens this file saw spent (presented in a refresh the gateway answered with a new pair). */
  spentRefreshTokens: z._default(z.array(Sha256Hex).check(z.maxLength(MAX_REMEMBERED_TOKENS)), []),
  /** The refresh token the last successful refresh issued (still unspent as far as the CLI knows). */
  currentRefreshToken: z.optional(Sha256Hex),
});
export type ScSessionFile = z.infer<typeof ScSessionFile>;

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The file's content, or undefined when it does not exist yet. Refuses a file others can read, or a foreign one. */
export async function readScSessionFile(path: string): Promise<ScSessionFile | undefined> {
  let text: string;
  try {
    if (process.platform !== 'win32') {
      const st = await stat(path);
      if ((st.mode & 0o077) !== 0) {
        throw new KeyholeError('INPUT_INVALID', `cli: ${path} holds session keys and other users can read it (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
      }
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof KeyholeError) throw e;
    throw new KeyholeError('INPUT_INVALID', `cli: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyholeError('SCHEMA_INVALID', `cli: ${path} is not a keyhole SC session file (not JSON); delete it or give another --sc-session`);
  }
  const parsed = ScSessionFile.safeParse(json);
  if (!parsed.success) {
    throw new KeyholeError('SCHEMA_INVALID', `cli: ${path} is not a keyhole SC session file (${parsed.error.issues[0]?.path.join('.') || 'shape'}); delete it or give another --sc-session`);
  }
  return parsed.data;
}

/** Replaces the file atomically; the new file has mode 0600 from its first byte. */
export async function writeScSessionFile(path: string, content: ScSessionFile): Promise<void> {
  const data = { ...content, spentRefreshTokens: content.spentRefreshTokens.slice(-MAX_REMEMBERED_TOKENS) };
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(data, null, 2)}\n`);
    await fh.chmod(0o600); // the umask cannot loosen 0600, but a platform that ignores `mode` gets it here
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new KeyholeError('INPUT_INVALID', `cli: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  await chmod(path, 0o600).catch(() => undefined);
}

export type { ScSessionState };
