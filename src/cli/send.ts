/**
 * `keyhole send`: an SCv2 curl (issue #9). Fetches the public key and creates the SC session (§5, §6)
 * through src/client's SecureChannel, seals the body under a fresh IV in the chosen form and AAD mode
 * (§8, §9, §12), sends it with the gateway headers (§3), opens the answer with the response key and
 * prints it. Exit 0 when the answer says `success:true` (§2: `success` is the authority), 1 otherwise with
 * the server's code on stderr — the decrypted answer is still printed: it is what the user asked to see.
 *
 * `--sc-session FILE` keeps the SC session (mode 0600) so consecutive calls skip the handshake. A session
 * the gateway no longer knows (SECURE_CHANNEL.SESSION_NOT_FOUND, answered before decryption, so the body
 * was never read — §12) is replaced by a new one and the request sent once more, as SecureChannel does.
 * Single-use refresh tokens: the file also remembers (as SHA-256) the tokens a refresh through it spent,
 * and a request presenting one of them is refused before anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KeyholeError } from '../protocol/errors';
import { fromBase64 } from '../protocol/bytes';
import { buildGatewayHeaders, type EnvMode } from '../protocol/headers';
import { LOCALES, type Locale } from '../protocol/locales';
import { PORTALS, joinUrl, type Portal } from '../protocol/paths';
import type { AadMode } from '../protocol/message';
import { SecureChannel, type ScSessionState, type ScStateStore } from '../client/secure-channel';
import { sendRequest, type RawResponse } from '../client/transport';
import { openAnswer, sealRequest, type ScKeys, type SealForm } from '../client/sealed-request';
import { refreshTokensIn } from '../client/refresh-tokens-in';
import { readScSessionFile, tokenDigest, writeScSessionFile, SC_SESSION_FILE_KIND, type ScSessionFile } from './sc-session-file';
import { parseCommandArgs, UsageError } from './args';
import { SEND_USAGE } from './usage';
import type { CliIo } from './main';


const DEFAULT_API = 'http://127.0.0.1:18020/prometheus';

export async function cmdSend(argv: string[], io: CliIo, fetchFn: typeof fetch = fetch): Promise<number> {
  const { values, positionals } = parseCommandArgs('send', argv, {
      api: { type: 'string' },
      portal: { type: 'string' },
      mode: { type: 'string' },
      'client-hash': { type: 'string' },
      'portal-code': { type: 'string' },
      locale: { type: 'string' },
      'access-token': { type: 'string' },
      form: { type: 'string' },
      aad: { type: 'string' },
      data: { type: 'string', short: 'd' },
      header: { type: 'string', short: 'H', multiple: true },
      'sc-session': { type: 'string' },
      include: { type: 'boolean', short: 'i' },
      raw: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(SEND_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('send needs METHOD and PATH');
  const method = positionals[0]!.toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(method)) throw new UsageError(`send: bad method ${positionals[0]}`);
  const path = positionals[1]!;
  const apiBase = (values.api ?? DEFAULT_API).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(apiBase)) throw new UsageError('send: --api must be an http(s) URL');
  const portal = oneOf<Portal>(values.portal ?? 'system', PORTALS, '--portal');
  const mode = oneOf<EnvMode>(values.mode ?? 'local', ['local', 'test', 'production'], '--mode');
  const form = oneOf<SealForm>(values.form ?? 'binary', ['binary', 'json'], '--form');
  const aad = oneOf<AadMode>(values.aad ?? 'none', ['none', 'session-id'], '--aad');
  const locale = values.locale === undefined ? undefined : oneOf<Locale>(values.locale, LOCALES, '--locale');
  const extraHeaders = (values.header ?? []).map(parseHeader);

  const plaintext = await readData(values.data, method, io);
  const presented = plaintext === undefined ? [] : refreshTokensIn(JSON.parse(plaintext));

  // The session file: its SC session is reused only for the same API base, portal and client hash
  // (§12: the SC session is bound to the X-Client-Hash it was created with).
  const file = values['sc-session'];
  const saved = file ? await readScSessionFile(file) : undefined;
  const clientHash = values['client-hash'] ?? saved?.clientHash ?? `keyhole-cli-${randomUUID()}`;
  const reusable = saved && saved.apiBase === apiBase && (saved.portal ?? 'system') === portal && saved.clientHash === clientHash;
  const record: ScSessionFile = {
    kind: SC_SESSION_FILE_KIND,
    apiBase,
    portal,
    clientHash,
    ...(reusable && saved.session && { session: saved.session }),
    spentRefreshTokens: saved?.spentRefreshTokens ?? [],
    ...(saved?.currentRefreshToken && { currentRefreshToken: saved.currentRefreshToken }),
  };

  // Single-use tokens (issue #9): a token this file saw spent is never presented again.
  for (const t of presented) {
    if (record.spentRefreshTokens.includes(tokenDigest(t))) {
      throw new KeyholeError(
        'TOKEN_SPENT',
        `cli: the body presents a refresh token ${file} records as already spent; the gateway would take it as reuse and revoke the whole token family (§12), signing out everyone holding it. Nothing was sent.`,
      );
    }
    if (record.currentRefreshToken === tokenDigest(t)) {
      io.stderr(`keyhole: note: this spends the current refresh token from ${file}; whoever else holds it (a page, the extension) holds a dead token afterwards\n`);
    }
  }

  const headerOptions = {
    mode,
    clientHash,
    ...(locale && { locale }),
    ...(values['portal-code'] && { portalCode: values['portal-code'] }),
  };
  const store: ScStateStore = {
    load: async () => record.session,
    save: async (s: ScSessionState | undefined) => {
      if (s) record.session = s;
      else delete record.session;
    },
  };
  const channel = new SecureChannel({ apiBase, portal, fetch: fetchFn, headers: () => headerOptions, store, timeoutMs: 30_000 });
  const url = /^https?:\/\//i.test(path) ? path : joinUrl(apiBase, path);

  const attempt = async (s: ScSessionState): Promise<{ raw: RawResponse; keys: ScKeys }> => {
    const keys: ScKeys = { sessionId: s.sessionId, requestKey: fromBase64(s.requestKey), responseKey: fromBase64(s.responseKey) };
    const headers = buildGatewayHeaders({ ...headerOptions, sessionId: s.sessionId, ...(values['access-token'] && { accessToken: values['access-token'] }) });
    for (const [n, v] of extraHeaders) headers[n] = v;
    const body = plaintext === undefined ? undefined : (await sealRequest(plaintext, keys, { form, aad })).body;
    const raw = await sendRequest(fetchFn, url, { method, headers, ...(body !== undefined && { body: body as BodyInit }) }, { timeoutMs: 30_000 });
    return { raw, keys };
  };

  try {
    let s = await channel.session();
    let { raw, keys } = await attempt(s);
    if (await isSessionNotFound(raw)) {
      // Answered from the session header alone, before decryption: the body was never read, so sending it
      // again over a new session cannot spend anything twice (§12).
      io.stderr(`keyhole: SC session ${s.sessionId} is gone (SECURE_CHANNEL.SESSION_NOT_FOUND); sending over a new one\n`);
      await channel.discard(s.sessionId);
      s = await channel.session();
      ({ raw, keys } = await attempt(s));
    }
    const answer = await openAnswer(raw.body, keys, { aad });

    // A refresh through this file: the token it presented is spent now, the new one is current.
    if (file && answer.envelope?.success && presented.length > 0) {
      record.spentRefreshTokens = [...record.spentRefreshTokens, ...presented.map(tokenDigest)];
      const issued = refreshTokensIn((answer.json as { data?: unknown } | undefined)?.data);
      if (issued[0]) record.currentRefreshToken = tokenDigest(issued[0]);
      else delete record.currentRefreshToken;
    }

    if (values.include) io.stdout(`HTTP ${raw.status}\n${[...raw.headers].map(([n, v]) => `${n}: ${v}`).join('\n')}\n\n`);
    if (values.raw) io.stdoutBytes(raw.body);
    else if (answer.json !== undefined) io.stdout(`${JSON.stringify(answer.json, null, 2)}\n`);
    else if (answer.text !== undefined) io.stdout(`${answer.text}\n`);

    if (answer.status === 'failed') throw new KeyholeError(answer.error!.code, `cli: the answer (HTTP ${raw.status}) did not open with the session's response key: ${answer.error!.message}`);
    if (answer.envelope?.success === true) return 0;
    if (answer.envelope) io.stderr(`keyhole: ${answer.envelope.code}: ${answer.envelope.message}\n`);
    else io.stderr(`keyhole: HTTP ${raw.status}: the answer is not a standard envelope\n`);
    return 1;
  } finally {
    if (file) await writeScSessionFile(file, record);
    // Without a file the session dies with the call: close it (§10), best effort.
    else await channel.close({ timeoutMs: 5000 }).catch(() => undefined);
  }
}

async function isSessionNotFound(raw: RawResponse): Promise<boolean> {
  if (raw.status !== 401 || raw.body.length > 4096) return false;
  try {
    return (JSON.parse(new TextDecoder().decode(raw.body)) as { code?: unknown }).code === 'SECURE_CHANNEL.SESSION_NOT_FOUND';
  } catch {
    return false;
  }
}

function oneOf<T extends string>(v: string, allowed: readonly string[], name: string): T {
  if (!allowed.includes(v)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function parseHeader(h: string): [string, string] {
  const i = h.indexOf(':');
  const name = i > 0 ? h.slice(0, i).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header must be "Name: value" (got ${JSON.stringify(h)})`);
  const value = h.slice(i + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value holds a line break`);
  return [name, value];
}

/** The plaintext to seal: validated JSON text, kept as typed (the user's exact bytes), or undefined for a bodiless GET. */
async function readData(data: string | undefined, method: string, io: CliIo): Promise<string | undefined> {
  let text: string;
  if (data === undefined) {
    if (method === 'GET' || method === 'HEAD') return undefined;
    text = '{}';
  } else if (data === '-') text = new TextDecoder().decode(await io.readStdin());
  else if (data.startsWith('@')) {
    try {
      text = await readFile(data.slice(1), 'utf8');
    } catch (e) {
      throw new KeyholeError('INPUT_INVALID', `cli: cannot read ${data.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else text = data;
  try {
    JSON.parse(text);
  } catch (e) {
    throw new KeyholeError('INPUT_INVALID', `cli: --data is not JSON: ${(e as Error).message}`);
  }
  return text.trim();
}
