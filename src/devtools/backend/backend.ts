/**
 * What the panel needs from the rest of the extension, as one interface. The live implementation talks
 * to the service worker over the panel port (sw-backend.ts); the UI tests and the bench can substitute
 * others. Keeping the UI behind this seam is also what let it be built before the port existed.
 */
import type { CapturedExchange, DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import type { ManualKey } from '../model/key-input';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface LiveStatus {
  /** The capture hook ran in the inspected tab (false: only DevTools/HAR sources will show traffic). */
  hooked: boolean;
  bufferLimit: number;
  /** Hook messages of this tab the relay's flood limit refused (lost; shown so nothing is lost silently). */
  dropped?: number;
  /** Re-decrypt tries the worker skipped under its per-tab budget (a flood of keys); those rows stay undecrypted. */
  skipped?: number;
}

export interface LiveHandlers {
  /** New or updated exchanges (upsert by exchange.id; a reconnect re-sends the whole buffer). */
  exchanges(list: DecryptedExchange[]): void;
  keyring(snapshot: KeyringSnapshot): void;
  connection(state: ConnectionState, detail?: string): void;
  status?(status: LiveStatus): void;
  /** The hub's buffer for this tab was cleared (by this panel or another DevTools window). */
  cleared?(): void;
}

export interface PanelBackend {
  connect(handlers: LiveHandlers): () => void;
  clear(): Promise<void>;
  getKeyring(): Promise<KeyringSnapshot>;
  addManualKey(key: ManualKey): Promise<KeyringSnapshot>;
  removeKey(index: number): Promise<KeyringSnapshot>;
  /** null forgets the key. Returns how many observed handshakes it unwrapped. */
  setPrivateKey(pem: string | null): Promise<{ unwrapped: number }>;
  followSession(exchangeId: string): Promise<{ sessionKey: string }>;
  /** Keyhole's own SC sessions to Compose over (issue #9). */
  composeTargets(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; apiBase: string; envName: string; headers: Record<string, string>; accounts: Array<{ label: string; accessToken: string }> }>>;
  /** Keyhole's records on a refresh token a resend would present (issue #9). */
  refreshTokenState(refreshToken: string): Promise<{ state: 'spent' | 'current' | 'unknown'; label?: string; sessionKey?: string; followed?: boolean }>;
  /** Learn keys from and decrypt captured exchanges (≤ 200 per call); `keep` adds them to the tab buffer. */
  decryptBatch(list: CapturedExchange[], keep?: boolean): Promise<DecryptedExchange[]>;
}
