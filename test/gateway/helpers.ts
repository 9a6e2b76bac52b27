/**
 * A small node:crypto SCv2 client for the gateway conformance tests. Independent of src/protocol
 * and src/client on purpose: the gateway is the reference those are tested against.
 */
import { constants, createCipheriv, createDecipheriv, createPublicKey, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import type { Gateway } from '../../src/gateway/index';

export const CF = { 'CF-Connecting-IP': '127.0.0.1', 'Cf-Ray': '8f1c2a3b4d5e6f70-DEV', 'cf-ipcountry': 'US' };

export type Form = 'binary' | 'json' | 'json-url' | 'json-binary';

export interface Keys {
  sessionId: string;
  keyId: string;
  requestKey: Buffer;
  responseKey: Buffer;
  expiresAt: number;
}

export interface Reply {
  status: number;
  headers: Headers;
  raw: Buffer;
  /** 'binary' (type 129), 'json' ({v,p}) or 'plain'. */
  form: 'binary' | 'json' | 'plain';
  /** Whether the reply decrypted with AAD = UTF-8(sessionId). */
  aad?: boolean;
  env: { version?: string; timestamp?: number; success: boolean; code: string; message: string; data: any; [k: string]: unknown };
}

export function aesSeal(key: Buffer, plaintext: Buffer, aad?: Buffer, iv: Buffer = randomBytes(12)) {
  const c = createCipheriv('aes-256-gcm', key, iv as Uint8Array);
  if (aad) c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv, ct, tag: c.getAuthTag() };
}

export function aesOpen(key: Buffer, iv: Buffer, ctAndTag: Buffer, aad?: Buffer): Buffer | undefined {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(ctAndTag.subarray(ctAndTag.length - 16));
    if (aad) d.setAAD(aad);
    return Buffer.concat([d.update(ctAndTag.subarray(0, ctAndTag.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}

export function rsaWrap(spkiB64: string, data: Buffer): Buffer {
  return publicEncrypt(
    { key: createPublicKey({ key: Buffer.from(spkiB64, 'base64'), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    data,
  );
}

export function type2(iv: Buffer, ct: Buffer, tag: Buffer, type = 2): Buffer {
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, type]), iv, ct, tag]);
}

export function type1(keyId: string, encReq: Buffer, encResp: Buffer, iv: Buffer, ct: Buffer, tag: Buffer): Buffer {
  const id = Buffer.from(keyId);
  const l = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x01, id.length]), id, l(encReq.length), encReq, l(encResp.length), encResp, iv, ct, tag]);
}

export function jsonEnvelope(p: Buffer, enc: 'base64' | 'base64url' = 'base64'): string {
  return JSON.stringify({ v: 2, p: p.toString(enc) });
}

export interface ClientOptions {
  clientHash?: string;
  ip?: string;
  portal?: string;
  headers?: Record<string, string>;
}

export class TestClient {
  clientHash: string;
  keys?: Keys;
  constructor(
    readonly gw: Gateway,
    readonly o: ClientOptions = {},
  ) {
    this.clientHash = o.clientHash ?? 'hash-' + randomUUID();
  }

  headers(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const h: Record<string, string> = {
      'Content-Type': 'application/json;charset=UTF-8',
      Accept: 'application/json',
      'X-Client-Hash': this.clientHash,
      ...CF,
      'CF-Connecting-IP': this.o.ip ?? CF['CF-Connecting-IP'],
      ...this.o.headers,
    };
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete h[k];
      else h[k] = v;
    }
    return h;
  }

  async raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
    const res = await fetch(this.gw.url + path, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: init.headers ?? this.headers(),
      body: init.body as BodyInit | undefined,
    });
    const raw = Buffer.from(await res.arrayBuffer());
    let json: any;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, raw, json };
  }

  scRoot(): string {
    return this.o.portal && this.o.portal !== 'system' ? `/web/v1/${this.o.portal}/secure-channel` : '/web/v1/secure-channel';
  }

  auth(rest: string): string {
    return `/web/v1/${this.o.portal ?? 'system'}/auth/${rest}`;
  }

  async publicKey(): Promise<{ keyId: string; publicKey: string }> {
    const r = await this.raw(this.scRoot() + '/public-key');
    if (r.status !== 200) throw new Error(`public-key ${r.status} ${r.raw}`);
    return r.json.data;
  }

  async handshake(): Promise<Keys> {
    const pk = await this.publicKey();
    const requestKey = randomBytes(32);
    const responseKey = randomBytes(32);
    const r = await this.raw(this.scRoot() + '/session', {
      body: JSON.stringify({
        keyId: pk.keyId,
        encReqKey: rsaWrap(pk.publicKey, requestKey).toString('base64'),
        encRespKey: rsaWrap(pk.publicKey, responseKey).toString('base64'),
      }),
    });
    if (r.status !== 200 || !r.json?.success) throw new Error(`session ${r.status} ${r.raw}`);
    this.keys = { sessionId: r.json.data.sessionId, keyId: pk.keyId, requestKey, responseKey, expiresAt: r.json.data.expiresAt };
    return this.keys;
  }

  /** Encrypts `payload` into a request body of the given form. */
  seal(payload: unknown, form: Form = 'binary', o: { aad?: boolean; iv?: Buffer; keys?: Keys } = {}): string | Buffer {
    const k = o.keys ?? this.keys!;
    const pt = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const { iv, ct, tag } = aesSeal(k.requestKey, pt, o.aad ? Buffer.from(k.sessionId) : undefined, o.iv);
    switch (form) {
      case 'binary': return type2(iv, ct, tag);
      case 'json': return jsonEnvelope(Buffer.concat([iv, ct, tag]));
      case 'json-url': return jsonEnvelope(Buffer.concat([iv, ct, tag]), 'base64url');
      case 'json-binary': return jsonEnvelope(type2(iv, ct, tag));
    }
  }

  /** Opens any reply: binary type 129, JSON {v,p} (any p reading) or plain JSON. */
  open(status: number, headers: Headers, raw: Buffer, keys: Keys | undefined = this.keys): Reply {
    const tryOpen = (sealed: Buffer) => {
      if (!keys) throw new Error('no keys to open an encrypted reply');
      const iv = sealed.subarray(0, 12);
      const rest = sealed.subarray(12);
      let pt = aesOpen(keys.responseKey, iv, rest);
      if (pt) return { pt, aad: false };
      pt = aesOpen(keys.responseKey, iv, rest, Buffer.from(keys.sessionId));
      if (pt) return { pt, aad: true };
      throw new Error('reply did not decrypt');
    };
    if (raw.length >= 4 && raw[0] === 0x53 && raw[1] === 0x43) {
      if (raw[2] !== 2 || raw[3] !== 0x81) throw new Error(`bad reply envelope type ${raw[3]}`);
      const { pt, aad } = tryOpen(raw.subarray(4));
      return { status, headers, raw, form: 'binary', aad, env: JSON.parse(pt.toString('utf8')) };
    }
    const j = JSON.parse(raw.toString('utf8'));
    if (j && j.v === 2 && typeof j.p === 'string') {
      const { pt, aad } = tryOpen(Buffer.from(j.p, 'base64'));
      return { status, headers, raw, form: 'json', aad, env: JSON.parse(pt.toString('utf8')) };
    }
    return { status, headers, raw, form: 'plain', env: j };
  }

  /** One encrypted call; the body can be given pre-sealed (string/Buffer) or as a payload to seal. */
  async sc(
    path: string,
    payload: unknown,
    o: { form?: Form; aad?: boolean; headers?: Record<string, string | undefined>; body?: string | Buffer; keys?: Keys } = {},
  ): Promise<Reply> {
    const keys = o.keys ?? this.keys;
    const body = o.body ?? this.seal(payload, o.form ?? 'binary', { aad: o.aad, keys });
    const res = await fetch(this.gw.url + path, {
      method: 'POST',
      headers: this.headers({ 'X-SC-Session-Id': keys?.sessionId, 'X-SC-Version': '2', ...o.headers }),
      body: body as BodyInit,
    });
    return this.open(res.status, res.headers, Buffer.from(await res.arrayBuffer()), keys);
  }

  async login(): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
    if (!this.keys) await this.handshake();
    const a = await this.sc(this.auth('login/initiate'), { email: this.gw.options.demoEmail, password: this.gw.options.demoPassword });
    if (!a.env.success) throw new Error(`initiate ${a.env.code}`);
    const b = await this.sc(this.auth('login/complete'), { sessionId: a.env.data.sessionId, method: 10011002, code: this.gw.options.demoOtp });
    if (!b.env.success) throw new Error(`complete ${b.env.code}`);
    return b.env.data;
  }

  refresh(refreshToken: string, o: { form?: Form } = {}): Promise<Reply> {
    return this.sc(this.auth('token/refresh'), { refreshToken }, o);
  }
}

export function decodeJwtPayload(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
