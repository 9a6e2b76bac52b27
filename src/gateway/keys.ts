/**
 * The gateway's RSA-2048 key ring (§4/§5). The private KeyObject is parsed once (PEM parsing per
 * request would dominate the cost of /session). Retired keyIds are refused at session creation (§5).
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface GatewayKey {
  keyId: string;
  privateKey: KeyObject;
  /** Standard Base64 of DER SubjectPublicKeyInfo (§4). */
  publicKeyB64: string;
  createdAt: string;
}

function dateId(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function fromPrivate(privateKey: KeyObject, keyId: string, createdAtMs: number): GatewayKey {
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('gateway: key file must hold an RSA private key');
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    keyId,
    privateKey,
    publicKeyB64: spki.toString('base64'),
    createdAt: new Date(Math.floor(createdAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

function generate(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey;
}

/** Loads a PKCS#8 PEM key, creating (mode 0600) when missing. */
export function loadOrCreateKey(path: string, keyId: string | undefined, now: number): GatewayKey {
  if (existsSync(path)) {
    const pk = createPrivateKey(readFileSync(path));
    const created = statSync(path).mtimeMs;
    return fromPrivate(pk, keyId ?? `rsa-key-${dateId(created)}`, created);
  }
  const pk = generate();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, pk.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return fromPrivate(pk, keyId ?? `rsa-key-${dateId(now)}`, now);
}

export function generateKey(keyId: string | undefined, now: number): GatewayKey {
  return fromPrivate(generate(), keyId ?? `rsa-key-${dateId(now)}`, now);
}

export class KeyRing {
  current: GatewayKey;
  private old = new Map<string, GatewayKey>();
  readonly retired = new Set<string>();

  constructor(initial: GatewayKey, retiredIds: string[]) {
    this.current = initial;
    for (const id of retiredIds) this.retired.add(id);
  }

  /** The key for `keyId` when it is active; undefined when unknown or retired. */
  active(keyId: string): GatewayKey | undefined {
    if (this.retired.has(keyId)) return undefined;
    if (keyId === this.current.keyId) return this.current;
    return this.old.get(keyId);
  }

  /** Replaces the current key; the previous keyId becomes retired (refused at session creation). */
  rotate(now: number, keyId?: string): GatewayKey {
    const prev = this.current;
    let id = keyId ?? `rsa-key-${dateId(now)}`;
    for (let n = 2; id === prev.keyId || this.retired.has(id) || this.old.has(id); n++) id = `rsa-key-${dateId(now)}-${n}`;
    this.old.set(prev.keyId, prev);
    this.retired.add(prev.keyId);
    this.current = generateKey(id, now);
    return this.current;
  }

  retire(keyId: string): void {
    this.retired.add(keyId);
  }
}

/** RSA-OAEP SHA-256/MGF1-SHA-256, empty label (§4/§12). Undefined on failure or a non-32-byte key. */
export function unwrapAesKey(key: GatewayKey, wrapped: Buffer): Buffer | undefined {
  try {
    const k = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
    return k.length === 32 ? k : undefined;
  } catch {
    return undefined;
  }
}
