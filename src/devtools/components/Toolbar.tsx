/**
 * The top toolbar: record/pause, clear, preserve log, the filter bar (filter-query.ts terms, with
 * suggestions as a key is typed), HAR import/export, and the view tabs.
 */
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { t } from '../../ui/i18n';
import { suggest, type SuggestionSource } from '../model/filter-query';

export interface ToolbarProps {
  view: 'traffic' | 'keys';
  onView: (v: 'traffic' | 'keys') => void;
  paused: boolean;
  onPause: (paused: boolean) => void;
  onClear: () => void;
  preserve: boolean;
  onPreserve: (on: boolean) => void;
  filter: string;
  onFilter: (text: string) => void;
  /** Values for the suggestions (read when the input has focus). */
  suggestions: () => SuggestionSource;
  filterError?: string;
  harControls: ComponentChildren;
}

export function Toolbar(p: ToolbarProps) {
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const options = useMemo(() => (focused ? suggest(p.filter, p.suggestions()) : []), [focused, p.filter, p.suggestions]);
  const accept = (value: string) => {
    p.onFilter(value);
    setActive(0);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (options.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (e.key === 'Tab' || e.key === 'Enter') {
      e.preventDefault();
      accept(options[Math.min(active, options.length - 1)]!);
    } else if (e.key === 'Escape') setFocused(false);
  };
  return (
    <div class="toolbar" role="toolbar">
      <span class="tb-tabs">
        <button class={`tb-tab${p.view === 'traffic' ? ' active' : ''}`} data-testid="tab-traffic" onClick={() => p.onView('traffic')}>
          {t('p_tabTraffic')}
        </button>
        <button class={`tb-tab${p.view === 'keys' ? ' active' : ''}`} data-testid="tab-keys" onClick={() => p.onView('keys')}>
          {t('p_tabKeys')}
        </button>
      </span>
      <span class="sep" />
      <button
        class={`tb-btn${p.paused ? '' : ' rec'}`}
        data-testid="pause"
        aria-pressed={p.paused}
        title={p.paused ? t('p_resumeTitle') : t('p_pauseTitle')}
        onClick={() => p.onPause(!p.paused)}
      >
        <span class="ico">{p.paused ? '▶' : '●'}</span>
        <span class="lbl">{p.paused ? t('p_resume') : t('p_recording')}</span>
      </button>
      <button class="tb-btn" data-testid="clear" title={t('p_clearTitle')} aria-label={t('p_clear')} onClick={p.onClear}>
        <span class="ico">⊘</span>
        <span class="lbl">{t('p_clear')}</span>
      </button>
      <label class="tb-check" title={t('p_preserveLogTitle')}>
        <input type="checkbox" data-testid="preserve-log" checked={p.preserve} onChange={(e) => p.onPreserve((e.target as HTMLInputElement).checked)} />
        {t('p_preserveLog')}
      </label>
      <span class="sep" />
      <span class="filter-box">
        <input
          class={`tb-input tb-search${p.filterError ? ' bad' : ''}`}
          data-testid="search"
          type="search"
          placeholder={t('p_filterPlaceholder')}
          title={t('p_filterTitle')}
          value={p.filter}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => {
            p.onFilter((e.target as HTMLInputElement).value);
            setActive(0);
          }}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
          onKeyDown={onKeyDown}
          aria-invalid={!!p.filterError}
          aria-autocomplete="list"
          aria-expanded={options.length > 0}
        />
        {options.length > 0 && (
          <ul class="suggestions" role="listbox" data-testid="filter-suggestions">
            {options.map((o, i) => (
              <li
                key={o}
                role="option"
                aria-selected={i === active}
                class={i === active ? 'on' : ''}
                translate={false}
                // mousedown, not click: the input's blur would close the list first.
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(o);
                }}
              >
                {o.slice(o.search(/\S+$/))}
              </li>
            ))}
          </ul>
        )}
      </span>
      <span class="spacer" />
      {p.harControls}
    </div>
  );
}
