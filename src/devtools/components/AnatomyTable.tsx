/** Envelope anatomy (spec §8 binary layout, §9 JSON `p`): what was on the wire, without the plaintext. */
import { t } from '../../ui/i18n';
import { Fragment } from 'preact';
import type { EnvelopeAnatomy } from '../inspect-types';

/** Message keys of the envelope types (§8). */
const TYPE_NAME: Record<number, string> = { 1: 'p_anType1', 2: 'p_anType2', 0x81: 'p_anType81' };

export function AnatomyTable({ anatomy }: { anatomy: EnvelopeAnatomy }) {
  const rows: Array<[string, string]> = [[t('p_anForm'), anatomy.form === 'binary' ? t('p_anBinary') : t('p_anJson')]];
  if (anatomy.type !== undefined) rows.push([t('p_anType'), TYPE_NAME[anatomy.type] ? t(TYPE_NAME[anatomy.type]!) : String(anatomy.type)]);
  if (anatomy.pEncoding) rows.push([t('p_anPEncoding'), anatomy.pEncoding]);
  if (anatomy.keyId) rows.push([t('p_anKeyId'), anatomy.keyId]);
  if (anatomy.encReqKeyLength !== undefined) rows.push(['encReqKey', `${anatomy.encReqKeyLength} B`]);
  if (anatomy.encRespKeyLength !== undefined) rows.push(['encRespKey', `${anatomy.encRespKeyLength} B`]);
  rows.push(['IV', anatomy.ivHex]);
  rows.push([t('p_anTag'), anatomy.tagHex]);
  rows.push([t('p_anCiphertext'), `${anatomy.ciphertextLength} B`]);
  rows.push([t('p_anTotal'), anatomy.form === 'binary' ? `${anatomy.totalLength} B` : t('p_anChars', String(anatomy.totalLength))]);
  return (
    <dl class="kv" data-testid="envelope-anatomy">
      {rows.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd translate={false}>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
