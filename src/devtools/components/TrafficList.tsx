/**
 * The exchange list: column header plus the virtual list over the *filtered* rows. Arrow keys move the
 * selection like in the Network panel.
 */
import type { ComponentChildren } from 'preact';
import { VirtualList } from './VirtualList';
import { TrafficRow } from './TrafficRow';
import type { Row } from '../model/traffic-store';

export const ROW_HEIGHT = 21; // keep in sync with --row-h in panel.css

export interface TrafficListProps {
  rows: readonly Row[];
  selectedSeq?: number;
  onSelect: (seq: number | undefined) => void;
  narrow: boolean;
  emptyMessage: ComponentChildren;
}

export function TrafficList({ rows, selectedSeq, onSelect, narrow, emptyMessage }: TrafficListProps) {
  const selectedIndex = selectedSeq === undefined ? -1 : rows.findIndex((r) => r.seq === selectedSeq);
  const onKeyDown = (e: KeyboardEvent) => {
    if (rows.length === 0) return;
    let next = selectedIndex;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, selectedIndex + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, selectedIndex - 1);
    else if (e.key === 'Escape') return onSelect(undefined);
    else return;
    e.preventDefault();
    onSelect(rows[next].seq);
  };
  return (
    <div class={`list${narrow ? ' narrow' : ''}`} role="grid">
      <div class="list-head grid" role="row">
        <div>Time</div>
        <div>Method</div>
        <div>Path</div>
        <div>Status</div>
        <div class="col-opt">Code</div>
        <div class="col-opt">Body</div>
        <div class="col-opt">Session</div>
        <div class="col-opt">Req</div>
        <div class="col-opt">Resp</div>
        <div>Decrypt</div>
      </div>
      {rows.length === 0 ? (
        <div class="empty">{emptyMessage}</div>
      ) : (
        <VirtualList
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          testId="traffic-list"
          revealIndex={selectedIndex >= 0 ? selectedIndex : undefined}
          onKeyDown={onKeyDown}
          renderRow={(i) => <TrafficRow key={rows[i].seq} row={rows[i]} index={i} selected={rows[i].seq === selectedSeq} onSelect={onSelect} />}
        />
      )}
    </div>
  );
}
