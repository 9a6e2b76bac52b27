/**
 * "Export HAR": the shown (filtered) exchanges with their decrypted bodies. Secrets are redacted unless
 * the user unticks "Redact secrets" (architecture.md §2: exports redact by default); an unredacted
 * export also embeds the session keys so the file can be decrypted elsewhere.
 */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import { buildHar } from '../../inspect';
import type { KeyringSnapshot } from '../inspect-types';
import type { Row } from '../model/traffic-store';

export function exportFileName(now = new Date()): string {
  return `keyhole-${now.toISOString().replace(/[:.]/g, '-').slice(0, 19)}.har`;
}

export function HarExportButton({ rows, keyring, version }: { rows: readonly Row[]; keyring?: KeyringSnapshot; version: string }) {
  const [redact, setRedact] = useState(true);
  const onExport = () => {
    const keys = (sessionId: string) => {
      const e = keyring?.entries.find((x) => x.sessionId === sessionId);
      return e && { requestKey: e.requestKey, responseKey: e.responseKey };
    };
    const har = buildHar(rows.map((r) => r.data), { redact, keys, version });
    const url = URL.createObjectURL(new Blob([JSON.stringify(har, null, 1)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName();
    a.dataset.testid = 'har-export-link';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <>
      <button class="tb-btn" data-testid="har-export" title={t('p_exportHarTitle')} aria-label={t('p_exportHar')} onClick={onExport}>
        <span class="ico">⤓</span>
        <span class="lbl">{t('p_exportHar')}</span>
      </button>
      <label class="tb-check" title={t('p_redactTitle')}>
        <input type="checkbox" data-testid="har-redact" checked={redact} onChange={(e) => setRedact((e.target as HTMLInputElement).checked)} />
        {t('p_redact')}
      </label>
    </>
  );
}
