/** A toolbar-style button that copies text and briefly confirms it ("Copied"). */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import { copyText } from '../copy-text';

export function CopyButton({ label, text, testId, title }: { label: string; text: () => string; testId?: string; title?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      class="tb-btn"
      data-testid={testId}
      title={title}
      onClick={async () => {
        const ok = await copyText(text());
        setState(ok ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 1200);
      }}
    >
      {state === 'copied' ? t('p_copied') : state === 'failed' ? t('p_copyFailed') : label}
    </button>
  );
}
