/** One list row. Attributes `data-path`/`data-status` are test hooks (and handy in DOM search). */
import { t } from '../../ui/i18n';
import type { ColumnDef } from '../model/columns';
import type { Row } from '../model/traffic-store';
import { FORM_LABEL } from '../model/row-summary';
import { formatBytes, formatClock, formatDuration } from '../model/format';
import { DecryptBadge } from './DecryptBadge';

export interface TrafficRowProps {
  row: Row;
  cols: readonly ColumnDef[];
  index: number;
  selected: boolean;
  onSelect: (seq: number) => void;
}

function Cell({ row, col }: { row: Row; col: ColumnDef }) {
  const s = row.summary;
  const conflict = row.data.conflict;
  switch (col.id) {
    case 'time':
      return <div translate={false} class="c-time">{formatClock(s.startedAt)}</div>;
    case 'method':
      return <div translate={false} class="c-method">{s.method}</div>;
    case 'path':
      return (
        <div class="c-path" title={conflict ? conflict.message : row.data.exchange.url}>
          {/* First in the widest column: the one thing on this row the user must act on. */}
          {conflict && (
            <span class="badge b-conflict" data-testid="conflict-badge">
              {t('p_tokenReuse')}
            </span>
          )}
          {row.data.exchange.resentFrom && (
            <span class="badge b-resent" data-testid="resent-badge" title={t('p_resentTitle')}>
              {t('p_resent')}
            </span>
          )}
          {/* The tail is what tells …/login/initiate from …/login/complete: clip at the start (panel.css). */}
          <span class="tail" translate={false}>
            <bdi>{s.shortPath}</bdi>
          </span>
        </div>
      );
    case 'status':
      return <div translate={false} class="c-status">{s.status || '—'}</div>;
    case 'code':
      return (
        <div translate={false} class="c-code" title={s.responseCode}>
          {s.responseCode ?? ''}
        </div>
      );
    case 'duration':
      return <div translate={false} class="c-num">{s.durationMs !== undefined ? formatDuration(s.durationMs) : ''}</div>;
    case 'reqSize':
      return <div translate={false} class="c-num">{formatBytes(s.requestSize)}</div>;
    case 'respSize':
      return <div translate={false} class="c-num">{formatBytes(s.responseSize)}</div>;
    case 'session':
      return (
        <div translate={false} class="c-sess" title={s.sessionId}>
          {s.sessionId ?? ''}
        </div>
      );
    case 'form':
      return <div class="c-form">{FORM_LABEL[s.form] ? t(FORM_LABEL[s.form]!) : s.form}</div>;
    case 'decrypt':
      return (
        <div class="c-dec">
          <DecryptBadge verdict={s.verdict} code={s.errorCode} />
          {row.lossy && (
            <span class="badge b-lossy" title={t('p_lossyTitle')}>
              {t('p_lossy')}
            </span>
          )}
        </div>
      );
  }
}

export function TrafficRow({ row, cols, index, selected, onSelect }: TrafficRowProps) {
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
      {...(row.preflight ? { 'data-preflight': row.preflight.status ?? '' } : {})}
      {...(conflict ? { 'data-conflict': conflict.kind } : {})}
      {...(resentFrom ? { 'data-resent-from': resentFrom } : {})}
      aria-selected={selected}
      role="row"
      onMouseDown={() => onSelect(row.seq)}
    >
      {cols.map((c) => (
        <Cell key={c.id} row={row} col={c} />
      ))}
    </div>
  );
}
