/**
 * One side of an exchange (request or response): how it was decrypted (key source, AAD mode) or why not,
 * the plaintext as a tree or raw text, and — on demand — the envelope anatomy and the wire bytes.
 *
 * The plaintext is what the panel is for, so it gets the side's height: anatomy and bytes are toggles
 * in the side's header, closed by default, and stay open once opened (remembered, like DevTools'
 * expanded sections).
 */
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../ui/i18n';
import type { CapturedBody, DecryptedSide } from '../inspect-types';
import { sideText } from '../model/filter';
import { maskJson } from '../model/secrets';
import { AnatomyTable } from './AnatomyTable';
import { CopyButton } from './CopyButton';
import { DecryptError } from './DecryptError';
import { JsonTree } from './JsonTree';
import { WireBytes } from './WireBytes';
import { keySourceLabel } from './KeyringTable';


const STATUS_LABEL: Record<DecryptedSide['status'], string> = {
  decrypted: 'p_verdictDecrypted',
  failed: 'p_verdictFailed',
  plain: 'p_verdictPlain',
  none: 'p_noBody',
};

const OPEN_KEYS = { anatomy: 'keyhole.panel.open.anatomy', wire: 'keyhole.panel.open.wire' } as const;

/** Both sides show the same toggles: a change on one applies to the other at once. */
const toggleListeners = new Set<() => void>();

/** A section toggle remembered across rows and panel sessions. */
function useRemembered(key: string): [boolean, (v: boolean) => void] {
  const read = () => globalThis.localStorage?.getItem(key) === '1';
  const [on, setOn] = useState(read);
  useEffect(() => {
    const l = () => setOn(read());
    toggleListeners.add(l);
    return () => void toggleListeners.delete(l);
  }, [key]);
  return [
    on,
    (v) => {
      globalThis.localStorage?.setItem(key, v ? '1' : '0');
      for (const l of toggleListeners) l();
    },
  ];
}

export interface SidePanelProps {
  kind: 'request' | 'response';
  side: DecryptedSide;
  body?: CapturedBody;
  reveal: boolean;
}

function prettyText(side: DecryptedSide, reveal: boolean): string {
  if (side.json !== undefined) return JSON.stringify(reveal ? side.json : maskJson(side.json), null, 2);
  return sideText(side);
}

export function SidePanel({ kind, side, body, reveal }: SidePanelProps) {
  const [view, setView] = useState<'tree' | 'raw'>('tree');
  const [anatomyOpen, setAnatomyOpen] = useRemembered(OPEN_KEYS.anatomy);
  const [wireOpen, setWireOpen] = useRemembered(OPEN_KEYS.wire);
  const hasPlain = side.status === 'decrypted' || side.status === 'plain';
  // A failed side shows its bytes in the body already.
  const canWire = side.status !== 'failed' && !!body;
  const how =
    side.status === 'decrypted'
      ? t('p_decryptedWith', [side.keySource ? keySourceLabel(side.keySource) : t('p_srcKnownKey'), side.aad === 'session-id' ? t('p_aadSessionId') : t('p_aadNone')])
      : undefined;
  return (
    <section class="side" data-testid={`decrypted-${kind}`} data-status={side.status}>
      <div class="side-head">
        <h3>{kind === 'request' ? t('p_request') : t('p_response')}</h3>
        <span class={`badge b-${side.status}`}>{t(STATUS_LABEL[side.status])}</span>
        {how && (
          <span class="how" data-testid={`how-${kind}`} title={how}>
            {how}
          </span>
        )}
        <span class="spacer" />
        {hasPlain && (
          <span class="seg">
            <button class={view === 'tree' ? 'on' : ''} onClick={() => setView('tree')}>
              {t('p_viewTree')}
            </button>
            <button class={view === 'raw' ? 'on' : ''} onClick={() => setView('raw')}>
              {t('p_viewRaw')}
            </button>
          </span>
        )}
        {side.anatomy && (
          <button class={`tb-btn toggle${anatomyOpen ? ' on' : ''}`} data-testid={`toggle-anatomy-${kind}`} aria-pressed={anatomyOpen} title={t('p_envelopeTitle')} onClick={() => setAnatomyOpen(!anatomyOpen)}>
            {t('p_envelope')}
          </button>
        )}
        {canWire && (
          <button class={`tb-btn toggle${wireOpen ? ' on' : ''}`} data-testid={`toggle-wire-${kind}`} aria-pressed={wireOpen} title={t('p_wireBytesTitle')} onClick={() => setWireOpen(!wireOpen)}>
            {t('p_wireBytes')}
          </button>
        )}
        {hasPlain && (
          <CopyButton
            label={t('p_copyJson')}
            testId={`copy-${kind}-json`}
            title={t('p_copyJsonTitle')}
            text={() => (side.json !== undefined ? JSON.stringify(side.json, null, 2) : sideText(side))}
          />
        )}
      </div>
      <div class="side-body" data-testid={`side-body-${kind}`}>
        {side.status === 'failed' && <DecryptError side={side} />}
        {hasPlain &&
          (view === 'tree' && side.json !== undefined ? (
            <JsonTree value={side.json} reveal={reveal} />
          ) : (
            <pre class="raw" translate={false}>
              {prettyText(side, reveal)}
            </pre>
          ))}
        {side.status === 'none' && <div class="hint">{t('p_noBodyLong')}</div>}
        {side.status === 'failed' && <WireBytes body={body} />}
      </div>
      {side.anatomy && anatomyOpen && (
        <div class="section-open">
          <AnatomyTable anatomy={side.anatomy} />
        </div>
      )}
      {canWire && wireOpen && (
        <div class="section-open wire">
          <WireBytes body={body} />
        </div>
      )}
    </section>
  );
}
