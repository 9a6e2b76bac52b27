/** Known sessions and keys with where each came from; keys masked unless revealed per row. */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import type { KeyringSnapshot } from '../inspect-types';
import { maskSecret } from '../model/secrets';
import { formatClock } from '../model/format';

/** Message keys of the key sources (KeyringEntry.source, DecryptedSide.keySource). */
const KEY_SOURCE_LABEL: Record<string, string> = {
  'page-handshake': 'p_srcPageHandshake',
  type1: 'p_srcType1',
  trial: 'p_srcTrial',
  'keyhole-session': 'p_srcKeyholeSession',
  manual: 'p_srcManual',
  'private-key': 'p_srcPrivateKey',
};

/** The key source in the browser's language; an unknown one as it came. */
export function keySourceLabel(source: string): string {
  const key = KEY_SOURCE_LABEL[source];
  return key ? t(key) : source;
}

export function KeyringTable({ keyring, remove }: { keyring?: KeyringSnapshot; remove: (index: number) => void }) {
  const [revealed, setRevealed] = useState<Set<number>>(new Set());
  if (!keyring) return <div class="hint">{t('p_loadingKeyring')}</div>;
  const show = (i: number, k?: string) => (k ? (revealed.has(i) ? k : maskSecret(k)) : '—');
  return (
    <>
      <table data-testid="keyring">
        <thead>
          <tr>
            <th>{t('p_colSession')}</th>
            <th>{t('p_source')}</th>
            <th>{t('p_requestKey')}</th>
            <th>{t('p_responseKey')}</th>
            <th>AAD</th>
            <th>{t('p_added')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keyring.entries.length === 0 && (
            <tr>
              <td colSpan={7} class="hint">
                {t('p_noKeys')}
              </td>
            </tr>
          )}
          {keyring.entries.map((e, i) => (
            <tr key={`${e.sessionId}-${i}`} data-testid="keyring-entry" data-session={e.sessionId ?? ''} data-source={e.source}>
              <td translate={false}>{e.sessionId ?? t('p_noSession')}</td>
              <td style={{ fontFamily: 'var(--sans)' }}>{keySourceLabel(e.source)}</td>
              <td translate={false}>{show(i, e.requestKey)}</td>
              <td translate={false}>{show(i, e.responseKey)}</td>
              <td translate={false}>{e.aad ?? ''}</td>
              <td translate={false}>{formatClock(e.addedAt)}</td>
              <td style={{ whiteSpace: 'nowrap' }}>
                <button
                  class="tb-btn"
                  onClick={() => {
                    const next = new Set(revealed);
                    if (!next.delete(i)) next.add(i);
                    setRevealed(next);
                  }}
                >
                  {revealed.has(i) ? t('p_hide') : t('p_reveal')}
                </button>
                <button class="tb-btn" title={t('p_remove')} aria-label={t('p_remove')} onClick={() => remove(i)}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="hint" style={{ marginTop: '4px' }}>
        {t('p_keyringSummary', [String(keyring.candidates.length), String(keyring.wraps), keyring.hasPrivateKey ? t('p_privateKeySet') : t('p_privateKeyNotSet')])}
      </div>
    </>
  );
}
