/** The selected exchange: summary, actions (cURL, follow), headers, and both sides side by side. */
import { useState } from 'preact/hooks';
import type { Row } from '../model/traffic-store';
import { buildCurl } from '../model/curl';
import { formatClock, formatDuration } from '../model/format';
import { t } from '../../ui/i18n';
import { CopyButton } from './CopyButton';
import { FollowButton } from './FollowButton';
import { HeadersSection } from './HeadersSection';
import { SidePanel } from './SidePanel';
import { ResendActions, type ResendRunner } from './ResendEditor';
import { ResentCompare } from './ResentCompare';
import type { DecryptedExchange, KeyringSnapshot } from '../inspect-types';

/** Resend / Edit and resend and the resent-answer comparison (issue #9); absent where the panel cannot send. */
export interface DetailResend {
  keyring: KeyringSnapshot | undefined;
  runner: ResendRunner;
  original: (exchangeId: string) => DecryptedExchange | undefined;
}

export interface DetailPaneProps {
  row: Row;
  onClose: () => void;
  follow: (exchangeId: string) => Promise<unknown>;
  stacked: boolean;
  resend?: DetailResend;
}

export function DetailPane({ row, onClose, follow, stacked, resend }: DetailPaneProps) {
  const [reveal, setReveal] = useState(false);
  const d = row.data;
  const ex = d.exchange;
  return (
    <div class={`detail${stacked ? ' stacked' : ''}`} data-testid="detail">
      <div class="detail-head">
        <button class="tb-btn" title={t('p_closeTitle')} aria-label={t('p_closeTitle')} onClick={onClose}>
          ✕
        </button>
        <div class="detail-title" title={ex.url} translate={false}>
          <span class="m">{ex.method.toUpperCase()}</span>
          {ex.url}
        </div>
        <label class="tb-check" title={t('p_showSecretsTitle')}>
          <input type="checkbox" data-testid="reveal-secrets" checked={reveal} onChange={(e) => setReveal((e.target as HTMLInputElement).checked)} />
          {t('p_showSecrets')}
        </label>
        {resend && <ResendActions key={row.seq} d={d} keyring={resend.keyring} runner={resend.runner} />}
        {d.follow && <FollowButton key={row.seq} target={{ exchangeId: ex.id, ...d.follow }} follow={follow} />}
        <CopyButton label={t('p_copyCurl')} testId="copy-curl" title={t('p_copyCurlTitle')} text={() => buildCurl(d)} />
      </div>
      <div class="detail-meta" data-testid="detail-meta">
        <span>
          {t('p_colStatus')} <b translate={false}>{ex.status || '—'}</b>
        </span>
        {d.responseCode && (
          <span>
            {t('p_colCode')} <b translate={false}>{d.responseCode}</b>
          </span>
        )}
        {d.sessionId && (
          <span>
            {t('p_colSession')} <b translate={false} title={d.sessionId}>{d.sessionId}</b>
          </span>
        )}
        <span>
          {t('p_started')} <b translate={false}>{formatClock(ex.startedAt)}</b>
        </span>
        {ex.durationMs !== undefined && (
          <span>
            {t('p_colDuration')} <b translate={false}>{formatDuration(ex.durationMs)}</b>
          </span>
        )}
        <span>
          {t('p_source')} <b translate={false}>{ex.source}</b>
        </span>
        {row.preflight && (
          <span data-testid="preflight-info" title={t('p_preflightTitle')}>
            {t('p_preflight')}{' '}
            <b translate={false}>
              {row.preflight.status ?? '—'}
              {row.preflight.durationMs !== undefined ? ` · ${formatDuration(row.preflight.durationMs)}` : ''}
            </b>
          </span>
        )}
      </div>
      {d.conflict && (
        <div class="notice conflict" data-testid="conflict-notice" role="alert">
          <b>{t('p_tokenReuseTitle')}</b> {d.conflict.kind === 'page-reused-spent-token' ? t('p_conflictPageReuse', d.conflict.label) : d.conflict.message}
        </div>
      )}
      {row.lossy && (
        <div class="notice">{t('p_lossyNotice')}</div>
      )}
      {ex.error && <div class="notice">{t('p_networkError', ex.error)}</div>}
      {resend && ex.resentFrom && <ResentCompare key={row.seq} resent={d} original={resend.original(ex.resentFrom)} reveal={reveal} />}
      <HeadersSection request={ex.requestHeaders} response={ex.responseHeaders} reveal={reveal} />
      <div class="sides">
        <SidePanel key={`${row.seq}-req`} kind="request" side={d.request} body={ex.requestBody} reveal={reveal} />
        <SidePanel key={`${row.seq}-resp`} kind="response" side={d.response} body={ex.responseBody} reveal={reveal} />
      </div>
    </div>
  );
}
