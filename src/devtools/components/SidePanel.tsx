/**
 * One side of an exchange (request or response): how it was decrypted (key source, AAD mode) or why not,
 * the plaintext as a tree or raw text, the envelope anatomy and the wire bytes.
 */
import { useState } from 'preact/hooks';
import type { CapturedBody, DecryptedSide } from '../inspect-types';
import { sideText } from '../model/filter';
import { maskJson } from '../model/secrets';
import { AnatomyTable } from './AnatomyTable';
import { CopyButton } from './CopyButton';
import { DecryptError } from './DecryptError';
import { JsonTree } from './JsonTree';
import { WireBytes } from './WireBytes';

const SOURCE_LABEL: Record<string, string> = {
  'page-handshake': "the page's handshake",
  type1: 'an inline type-1 key exchange',
  trial: 'trial decryption',
  'keyhole-session': "Keyhole's own session",
  manual: 'a manually added key',
  'private-key': 'the RSA private key',
};

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
  const hasPlain = side.status === 'decrypted' || side.status === 'plain';
  const title = kind === 'request' ? 'Request' : 'Response';
  return (
    <section class="side" data-testid={`decrypted-${kind}`} data-status={side.status}>
      <div class="side-head">
        <h3>{title}</h3>
        <span class={`badge b-${side.status}`}>{side.status === 'none' ? 'no body' : side.status}</span>
        <span class="spacer" />
        {hasPlain && (
          <>
            <span class="seg">
              <button class={view === 'tree' ? 'on' : ''} onClick={() => setView('tree')}>
                Tree
              </button>
              <button class={view === 'raw' ? 'on' : ''} onClick={() => setView('raw')}>
                Raw
              </button>
            </span>
            <CopyButton
              label="Copy JSON"
              testId={`copy-${kind}-json`}
              title="Copy the decrypted body (unmasked)"
              text={() => (side.json !== undefined ? JSON.stringify(side.json, null, 2) : sideText(side))}
            />
          </>
        )}
      </div>
      {side.status === 'decrypted' && (
        <div class="how">
          Decrypted with <b>{SOURCE_LABEL[side.keySource ?? ''] ?? side.keySource ?? 'a known key'}</b>
          {' · AAD '}
          <b>{side.aad === 'session-id' ? 'UTF-8(session id)' : 'none'}</b>
        </div>
      )}
      <div class="side-body">
        {side.status === 'failed' && <DecryptError side={side} />}
        {hasPlain &&
          (view === 'tree' && side.json !== undefined ? (
            <JsonTree value={side.json} reveal={reveal} />
          ) : (
            <pre class="raw">{prettyText(side, reveal)}</pre>
          ))}
        {side.status === 'none' && <div class="hint">No body.</div>}
        {side.status === 'failed' && <WireBytes body={body} />}
      </div>
      {side.anatomy && (
        <details class="section" open>
          <summary>Envelope</summary>
          <AnatomyTable anatomy={side.anatomy} />
        </details>
      )}
      {side.status !== 'failed' && body && (
        <details class="section">
          <summary>Wire bytes</summary>
          <div style={{ padding: '0 8px 6px', maxHeight: '200px', overflow: 'auto' }}>
            <WireBytes body={body} />
          </div>
        </details>
      )}
    </section>
  );
}
