/**
 * The captured body as it was on the wire, as a hex dump or base64, copyable. This is what stays
 * inspectable when decryption fails (and the way to take the bytes to another tool).
 */
import { t } from '../../ui/i18n';
import { useMemo, useState } from 'preact/hooks';
import type { CapturedBody } from '../inspect-types';
import { fromBase64 } from '../../protocol/bytes';
import { hexDump } from '../model/format';
import { CopyButton } from './CopyButton';

export function WireBytes({ body }: { body?: CapturedBody }) {
  const [mode, setMode] = useState<'hex' | 'base64'>('hex');
  const bytes = useMemo(() => {
    try {
      return body ? fromBase64(body.base64) : undefined;
    } catch {
      return undefined;
    }
  }, [body]);
  if (!body || !bytes) return <div class="hint">{t('p_noBytes')}</div>;
  const toHexString = () => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return (
    <div data-testid="wire-bytes">
      <div class="side-head" style={{ background: 'none', border: 'none', paddingLeft: 0 }}>
        <span class="seg">
          <button class={mode === 'hex' ? 'on' : ''} onClick={() => setMode('hex')}>
            Hex
          </button>
          <button class={mode === 'base64' ? 'on' : ''} onClick={() => setMode('base64')}>
            Base64
          </button>
        </span>
        <span class="hint">
          {body.size} B{body.truncated ? ` ${t('p_truncated')}` : ''}
          {body.lossy ? ` · ${t('p_lossyFromDevtools')}` : ''}
        </span>
        <span class="spacer" />
        <CopyButton label={t('p_copyHex')} text={toHexString} testId="copy-hex" />
        <CopyButton label={t('p_copyBase64')} text={() => body.base64} testId="copy-base64" />
      </div>
      {mode === 'hex' ? <pre class="dump" translate={false}>{hexDump(bytes)}</pre> : <pre class="raw" translate={false}>{body.base64}</pre>}
    </div>
  );
}
