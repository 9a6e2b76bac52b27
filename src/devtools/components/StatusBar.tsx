/** Bottom status line: counts, connection to the service worker, capture hook state, import progress. */
import type { ConnectionState, LiveStatus } from '../backend/backend';
import type { ImportProgress } from '../import/har-import';

export interface StatusBarProps {
  total: number;
  shown: number;
  failed: number;
  connection: ConnectionState;
  connectionDetail?: string;
  live?: LiveStatus;
  progress?: ImportProgress;
  ignoredWhilePaused: number;
}

export function StatusBar({ total, shown, failed, connection, connectionDetail, live, progress, ignoredWhilePaused }: StatusBarProps) {
  return (
    <div class="statusbar" data-testid="statusbar">
      <span data-testid="row-count">
        {shown === total ? `${total} exchanges` : `${shown} / ${total} exchanges`}
      </span>
      {failed > 0 && <span class="err">{failed} failed</span>}
      {ignoredWhilePaused > 0 && <span>{ignoredWhilePaused} ignored while paused</span>}
      {progress && progress.phase !== 'done' && (
        <span class="progress" data-testid="import-progress" data-phase={progress.phase}>
          {progress.phase === 'error' ? (
            <span class="err">Import failed: {progress.error}</span>
          ) : (
            <>
              Importing HAR {progress.phase === 'decrypting' ? `${progress.done} / ${progress.total}` : `(${progress.phase}…)`}
              <progress max={progress.total || 1} value={progress.done} />
            </>
          )}
        </span>
      )}
      {progress?.phase === 'done' && (
        <span data-testid="import-progress" data-phase="done">
          Imported {progress.total} ({progress.decrypted} decrypted{progress.failed ? `, ${progress.failed} failed` : ''})
        </span>
      )}
      <span class="spacer" style={{ flex: 1 }} />
      {live?.dropped ? (
        <span class="err" data-testid="dropped" title="The page sent more SCv2 traffic than the capture relay accepts (300 messages or 64 MB per 10 s); these exchanges or keys were not recorded">
          {live.dropped} not recorded (flood limit)
        </span>
      ) : null}
      {live?.skipped ? (
        <span class="err" data-testid="skipped" title="The page sent keys faster than Keyhole retries them on earlier failed rows (200 rows and 48 new keys per pass); these retries were skipped">
          {live.skipped} retries skipped (key flood)
        </span>
      ) : null}
      {live && !live.hooked && <span title="The capture hook did not run in this tab; only DevTools network events are used">hook inactive</span>}
      <span title={connectionDetail} data-testid="connection" data-state={connection}>
        <span class={`dot ${connection}`} />
        {connection === 'connected' ? 'service worker' : connection}
      </span>
    </div>
  );
}
