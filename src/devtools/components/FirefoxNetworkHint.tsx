/**
 * Firefox fires devtools.network.onRequestFinished only after its Network panel has been opened once in
 * this DevTools window, so the fallback source (requests the page hook did not see) stays silent until
 * then. Shown in Firefox until the first network event arrives; the hook's live capture needs nothing.
 */
import { t } from '../../ui/i18n';

export function FirefoxNetworkHint() {
  return (
    <div class="notice" data-testid="firefox-network-hint" role="note">
      {t('panel_firefoxNetworkHint')}
    </div>
  );
}
