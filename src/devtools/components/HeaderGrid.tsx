/**
 * The request headers of a draft, shared by Edit and resend and Compose (issue #9): ordinary headers are
 * editable and can be added; the SC headers (X-SC-Session-Id, X-SC-Version) are Keyhole's to manage and
 * stay read-only unless "advanced" is on — a wrong session id only earns SESSION_NOT_FOUND, so editing
 * it is an explicit choice.
 */
import type { ResendDraft } from '../resend/draft';
import { t } from '../../ui/i18n';

type Headers = Pick<ResendDraft, 'headers' | 'scHeaders'>;

export function HeaderGrid({ draft, advanced, onChange }: { draft: Headers; advanced: boolean; onChange: (patch: Partial<Headers>) => void }) {
  const setHeader = (list: keyof Headers, i: number, at: 0 | 1, v: string) =>
    onChange({ [list]: draft[list].map((h, j) => (j === i ? ((at === 0 ? [v, h[1]] : [h[0], v]) as [string, string]) : h)) });
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <details class="re-headers">
      <summary>{t('p_rs_headers', String(draft.headers.length + draft.scHeaders.length))}</summary>
      <div class="re-grid">
        {draft.scHeaders.map(([n, v], i) => (
          <>
            <input value={n} readOnly={!advanced} data-sc="1" onInput={(e) => setHeader('scHeaders', i, 0, value(e))} />
            <input value={v} readOnly={!advanced} data-sc="1" data-testid={`re-sc-${n.toLowerCase()}`} onInput={(e) => setHeader('scHeaders', i, 1, value(e))} />
          </>
        ))}
        {draft.headers.map(([n, v], i) => (
          <>
            <input value={n} onInput={(e) => setHeader('headers', i, 0, value(e))} />
            <input value={v} onInput={(e) => setHeader('headers', i, 1, value(e))} />
          </>
        ))}
      </div>
      <button class="tb-btn" onClick={() => onChange({ headers: [...draft.headers, ['', '']] })}>
        {t('p_rs_addHeader')}
      </button>
    </details>
  );
}

/** The "advanced" switch that unlocks the SC headers. */
export function AdvancedSwitch({ checked, onChange, testId }: { checked: boolean; onChange: (on: boolean) => void; testId: string }) {
  return (
    <label title={t('p_rs_advancedTitle')}>
      <input type="checkbox" data-testid={testId} checked={checked} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} /> {t('p_rs_advanced')}
    </label>
  );
}
