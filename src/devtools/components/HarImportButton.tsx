/** "Import HAR…": a file input styled as a toolbar button; the import itself runs in App (import/). */
import { t } from '../../ui/i18n';

export function HarImportButton({ onFile, busy }: { onFile: (file: File) => void; busy: boolean }) {
  return (
    <label class={`tb-btn file-label${busy ? ' on' : ''}`} title={t('p_importHarTitle')} aria-label={t('p_importHar')}>
      <span class="ico">⤒</span>
      <span class="lbl">{t('p_importHar')}</span>
      <input
        type="file"
        accept=".har,application/json"
        data-testid="har-import"
        disabled={busy}
        onChange={(e) => {
          const input = e.target as HTMLInputElement;
          const file = input.files?.[0];
          input.value = ''; // allow importing the same file again
          if (file) onFile(file);
        }}
      />
    </label>
  );
}
