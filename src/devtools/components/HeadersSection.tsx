/** Request and response headers, collapsed by default; Authorization and cookies masked unless revealed. */
import { t } from '../../ui/i18n';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { maskSecret } from '../model/secrets';

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-portal-access-code']);

function HeaderList({ headers, reveal }: { headers: Record<string, string>; reveal: boolean }) {
  const entries = Object.entries(headers);
  if (entries.length === 0) return <div class="hint" style={{ paddingLeft: '20px' }}>{t('p_noneCaptured')}</div>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt translate={false}>{k}</dt>
          <dd translate={false}>{!reveal && SECRET_HEADERS.has(k.toLowerCase()) ? maskSecret(v) : v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function HeadersSection({ request, response, reveal }: { request: Record<string, string>; response: Record<string, string>; reveal: boolean }) {
  // Collapsed by default: the lists are built when it is opened, not for every row shown (a closed
  // <details> still costs its DOM; a Resend click waits for the new row's detail to render).
  const [open, setOpen] = useState(false);
  return (
    <details class="section" style={{ borderTop: 'none', borderBottom: '1px solid var(--border-soft)' }} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{t('p_headers')}</summary>
      {open && (
        <div style={{ maxHeight: '180px', overflow: 'auto' }}>
          <div class="hint" style={{ paddingLeft: '12px' }}>{t('p_request')}</div>
          <HeaderList headers={request} reveal={reveal} />
          <div class="hint" style={{ paddingLeft: '12px' }}>{t('p_response')}</div>
          <HeaderList headers={response} reveal={reveal} />
        </div>
      )}
    </details>
  );
}
