/** Envelope anatomy (spec §8 binary layout, §9 JSON `p`): what was on the wire, without the plaintext. */
import { Fragment } from 'preact';
import type { EnvelopeAnatomy } from '../inspect-types';

const TYPE_NAME: Record<number, string> = { 1: '1 · key exchange', 2: '2 · session data', 0x81: '0x81 · response data' };

export function AnatomyTable({ anatomy }: { anatomy: EnvelopeAnatomy }) {
  const rows: Array<[string, string]> = [['form', anatomy.form === 'binary' ? 'binary envelope' : 'JSON envelope {"v":2,"p":…}']];
  if (anatomy.type !== undefined) rows.push(['type', TYPE_NAME[anatomy.type] ?? String(anatomy.type)]);
  if (anatomy.pEncoding) rows.push(['p encoding', anatomy.pEncoding]);
  if (anatomy.keyId) rows.push(['RSA key id', anatomy.keyId]);
  if (anatomy.encReqKeyLength !== undefined) rows.push(['encReqKey', `${anatomy.encReqKeyLength} B`]);
  if (anatomy.encRespKeyLength !== undefined) rows.push(['encRespKey', `${anatomy.encRespKeyLength} B`]);
  rows.push(['IV', anatomy.ivHex]);
  rows.push(['tag', anatomy.tagHex]);
  rows.push(['ciphertext', `${anatomy.ciphertextLength} B`]);
  rows.push(['total', `${anatomy.totalLength} ${anatomy.form === 'binary' ? 'B' : 'chars'}`]);
  return (
    <dl class="kv" data-testid="envelope-anatomy">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
