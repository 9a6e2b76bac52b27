/** Known sessions and keys with where each came from; keys masked unless revealed per row. */
import { useState } from 'preact/hooks';
import type { KeyringSnapshot } from '../inspect-types';
import { maskSecret } from '../model/secrets';
import { formatClock } from '../model/format';

const SOURCE: Record<string, string> = {
  'page-handshake': 'page handshake',
  type1: 'type-1 envelope',
  trial: 'trial decryption',
  'keyhole-session': 'Keyhole session',
  manual: 'manual',
  'private-key': 'RSA private key',
};

export function KeyringTable({ keyring, remove }: { keyring?: KeyringSnapshot; remove: (index: number) => void }) {
  const [revealed, setRevealed] = useState<Set<number>>(new Set());
  if (!keyring) return <div class="hint">Loading keyring…</div>;
  const show = (i: number, k?: string) => (k ? (revealed.has(i) ? k : maskSecret(k)) : '—');
  return (
    <>
      <table data-testid="keyring">
        <thead>
          <tr>
            <th>Session</th>
            <th>Source</th>
            <th>Request key</th>
            <th>Response key</th>
            <th>AAD</th>
            <th>Added</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keyring.entries.length === 0 && (
            <tr>
              <td colSpan={7} class="hint">
                No keys yet. Reload the inspected page with DevTools open, or add keys below.
              </td>
            </tr>
          )}
          {keyring.entries.map((e, i) => (
            <tr key={`${e.sessionId}-${i}`} data-testid="keyring-entry" data-session={e.sessionId ?? ''} data-source={e.source}>
              <td>{e.sessionId ?? '(no session)'}</td>
              <td style={{ fontFamily: 'var(--sans)' }}>{SOURCE[e.source] ?? e.source}</td>
              <td>{show(i, e.requestKey)}</td>
              <td>{show(i, e.responseKey)}</td>
              <td>{e.aad ?? ''}</td>
              <td>{formatClock(e.addedAt)}</td>
              <td style={{ whiteSpace: 'nowrap' }}>
                <button
                  class="tb-btn"
                  onClick={() => {
                    const next = new Set(revealed);
                    if (!next.delete(i)) next.add(i);
                    setRevealed(next);
                  }}
                >
                  {revealed.has(i) ? 'Hide' : 'Reveal'}
                </button>
                <button class="tb-btn" title="Remove" onClick={() => remove(i)}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="hint" style={{ marginTop: '4px' }}>
        {keyring.candidates.length} loose candidate key{keyring.candidates.length === 1 ? '' : 's'} for trial decryption · {keyring.wraps} RSA-wrapped key
        {keyring.wraps === 1 ? '' : 's'} observed · private key {keyring.hasPrivateKey ? 'set' : 'not set'}
      </div>
    </>
  );
}
