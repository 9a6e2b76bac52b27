/** The selected exchange: summary, actions (cURL, follow), headers, and both sides side by side. */
import { useState } from 'preact/hooks';
import type { Row } from '../model/traffic-store';
import { buildCurl } from '../model/curl';
import { formatClock } from '../model/format';
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
        <button class="tb-btn" title="Close (Esc)" onClick={onClose}>
          ✕
        </button>
        <div class="detail-title" title={ex.url}>
          <span class="m">{ex.method.toUpperCase()}</span>
          {ex.url}
        </div>
        <label class="tb-check" title="Tokens and keys are masked by default">
          <input type="checkbox" data-testid="reveal-secrets" checked={reveal} onChange={(e) => setReveal((e.target as HTMLInputElement).checked)} />
          Show secrets
        </label>
        {resend && <ResendActions key={row.seq} d={d} keyring={resend.keyring} runner={resend.runner} />}
        {d.follow && <FollowButton key={row.seq} target={{ exchangeId: ex.id, ...d.follow }} follow={follow} />}
        <CopyButton label="Copy as cURL" testId="copy-curl" title="The request as cURL: every request header as sent (Authorization and X-Client-Hash included, unmasked) and the decrypted plaintext body — the wire body was encrypted, so a note says so" text={() => buildCurl(d)} />
      </div>
      <div class="detail-meta">
        <span>
          Status <b>{ex.status ?? '—'}</b>
        </span>
        {d.responseCode && (
          <span>
            Code <b>{d.responseCode}</b>
          </span>
        )}
        {d.sessionId && (
          <span>
            Session <b>{d.sessionId}</b>
          </span>
        )}
        <span>
          Started <b>{formatClock(ex.startedAt)}</b>
        </span>
        {ex.durationMs !== undefined && (
          <span>
            Duration <b>{Math.round(ex.durationMs)} ms</b>
          </span>
        )}
        <span>
          Source <b>{ex.source}</b>
        </span>
      </div>
      {d.conflict && (
        <div class="notice conflict" data-testid="conflict-notice" role="alert">
          <b>Token reuse.</b> {d.conflict.message}
        </div>
      )}
      {row.lossy && (
        <div class="notice">
          Possibly lossy: DevTools decodes <code>application/json</code> bodies as text, so binary bytes may have been replaced (architecture §3).
        </div>
      )}
      {ex.error && <div class="notice">Network error: {ex.error}</div>}
      {resend && ex.resentFrom && <ResentCompare resent={d} original={resend.original(ex.resentFrom)} reveal={reveal} />}
      <HeadersSection request={ex.requestHeaders} response={ex.responseHeaders} reveal={reveal} />
      <div class="sides">
        <SidePanel key={`${row.seq}-req`} kind="request" side={d.request} body={ex.requestBody} reveal={reveal} />
        <SidePanel key={`${row.seq}-resp`} kind="response" side={d.response} body={ex.responseBody} reveal={reveal} />
      </div>
    </div>
  );
}
