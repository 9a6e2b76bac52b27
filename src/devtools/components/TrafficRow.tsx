/** One list row. Attributes `data-path`/`data-status` are test hooks (and handy in DOM search). */
import type { Row } from '../model/traffic-store';
import { FORM_LABEL } from '../model/row-summary';
import { formatBytes, formatClock } from '../model/format';
import { DecryptBadge } from './DecryptBadge';

export interface TrafficRowProps {
  row: Row;
  index: number;
  selected: boolean;
  onSelect: (seq: number) => void;
}

export function TrafficRow({ row, index, selected, onSelect }: TrafficRowProps) {
  const s = row.summary;
  const conflict = row.data.conflict;
  const resentFrom = row.data.exchange.resentFrom;
  const cls = `row grid${index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}${s.verdict === 'failed' ? ' failed' : ''}${conflict ? ' conflict' : ''}`;
  return (
    <div
      class={cls}
      data-testid="traffic-row"
      data-path={s.path}
      data-status={s.status ?? ''}
      data-verdict={s.verdict}
      data-seq={row.seq}
      {...(conflict ? { 'data-conflict': conflict.kind } : {})}
      {...(resentFrom ? { 'data-resent-from': resentFrom } : {})}
      aria-selected={selected}
      role="row"
      onMouseDown={() => onSelect(row.seq)}
    >
      <div class="c-time">{formatClock(s.startedAt)}</div>
      <div class="c-method">{s.method}</div>
      <div class="c-path" title={conflict ? conflict.message : row.data.exchange.url}>
        {/* First in the widest column: the one thing on this row the user must act on. */}
        {conflict && (
          <span class="badge b-conflict" data-testid="conflict-badge">
            token reuse
          </span>
        )}
        {resentFrom && (
          <span class="badge b-resent" data-testid="resent-badge" title="Sent again by Keyhole (Resend / Edit and resend)">
            resent
          </span>
        )}
        {s.shortPath}
      </div>
      <div class="c-status">{s.status ?? '—'}</div>
      <div class="c-code col-opt" title={s.responseCode}>
        {s.responseCode ?? ''}
      </div>
      <div class="c-form col-opt">{FORM_LABEL[s.form] ?? s.form}</div>
      <div class="c-sess col-opt" title={s.sessionId}>
        {s.sessionId ?? ''}
      </div>
      <div class="c-size col-opt">{formatBytes(s.requestSize)}</div>
      <div class="c-size col-opt">{formatBytes(s.responseSize)}</div>
      <div class="c-dec">
        <DecryptBadge verdict={s.verdict} code={s.errorCode} />
        {row.lossy && (
          <span class="badge b-lossy" title="DevTools may not have given the exact bytes">
            lossy?
          </span>
        )}
      </div>
    </div>
  );
}
