/** A toolbar-style button that copies text and briefly confirms it ("Copied"). */
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
      {state === 'copied' ? 'Copied ✓' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}
