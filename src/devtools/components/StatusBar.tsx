/** Bottom status line: counts, connection to the service worker, capture hook state, import progress. */
import type { ConnectionState, LiveStatus } from '../backend/backend';
import type { ImportProgress } from '../import/har-import';
import { t } from '../../ui/i18n';

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connected: 'p_connServiceWorker',
  connecting: 'p_connConnecting',
  reconnecting: 'p_connReconnecting',
  offline: 'p_connOffline',
};

export interface StatusBarProps {
  total: number;
  shown: number;
  failed: number;
  /** CORS preflights folded into their calls (not counted as calls). */
  preflights: number;
  connection: ConnectionState;
  connectionDetail?: string;
  live?: LiveStatus;
  progress?: ImportProgress;
  ignoredWhilePaused: number;
}

export function StatusBar({ total, shown, failed, preflights, connection, connectionDetail, live, progress, ignoredWhilePaused }: StatusBarProps) {
  return (
    <div class="statusbar" data-testid="statusbar">
      <span data-testid="row-count" data-shown={shown} data-total={total}>
        {shown === total ? t('p_countCalls', String(total)) : t('p_countShownOfCalls', [String(shown), String(total)])}
      </span>
      {preflights > 0 && (
        <span data-testid="preflight-count" title={t('p_preflightsTitle')}>
          {t('p_countPreflights', String(preflights))}
        </span>
      )}
      {failed > 0 && <span class="err">{t('p_countFailed', String(failed))}</span>}
      {ignoredWhilePaused > 0 && <span>{t('p_countIgnored', String(ignoredWhilePaused))}</span>}
      {progress && progress.phase !== 'done' && (
        <span class="progress" data-testid="import-progress" data-phase={progress.phase}>
          {progress.phase === 'error' ? (
            <span class="err">{t('p_importFailed', progress.error ?? '')}</span>
          ) : (
            <>
              {progress.phase === 'decrypting' ? t('p_importingCount', [String(progress.done), String(progress.total)]) : t('p_importingPhase')}
              <progress max={progress.total || 1} value={progress.done} />
            </>
          )}
        </span>
      )}
      {progress?.phase === 'done' && (
        <span data-testid="import-progress" data-phase="done">
          {progress.failed
            ? t('p_importedFailed', [String(progress.total), String(progress.decrypted), String(progress.failed)])
            : t('p_imported', [String(progress.total), String(progress.decrypted)])}
        </span>
      )}
      <span class="spacer" style={{ flex: 1 }} />
      {live?.dropped ? (
        <span class="err" data-testid="dropped" title={t('p_droppedTitle')}>
          {t('p_dropped', String(live.dropped))}
        </span>
      ) : null}
      {live?.skipped ? (
        <span class="err" data-testid="skipped" title={t('p_skippedTitle')}>
          {t('p_skipped', String(live.skipped))}
        </span>
      ) : null}
      {live && !live.hooked && <span title={t('p_hookInactiveTitle')}>{t('p_hookInactive')}</span>}
      <span title={connectionDetail} data-testid="connection" data-state={connection}>
        <span class={`dot ${connection}`} />
        {t(CONNECTION_LABEL[connection])}
      </span>
    </div>
  );
}
