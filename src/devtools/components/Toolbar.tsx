/** The top toolbar: record/pause, clear, search and filters, HAR import/export, and the view tabs. */
import type { ComponentChildren } from 'preact';
import type { FilterState, StatusClass } from '../model/filter';

export interface ToolbarProps {
  view: 'traffic' | 'keys';
  onView: (v: 'traffic' | 'keys') => void;
  paused: boolean;
  onPause: (paused: boolean) => void;
  onClear: () => void;
  filter: FilterState;
  onFilter: (f: FilterState) => void;
  searchError?: string;
  harControls: ComponentChildren;
}

const STATUS_OPTIONS: Array<[StatusClass, string]> = [
  ['all', 'All statuses'],
  ['2xx', '2xx'],
  ['3xx', '3xx'],
  ['4xx', '4xx'],
  ['5xx', '5xx'],
  ['none', 'No status'],
];

export function Toolbar({ view, onView, paused, onPause, onClear, filter, onFilter, searchError, harControls }: ToolbarProps) {
  const set = (patch: Partial<FilterState>) => onFilter({ ...filter, ...patch });
  return (
    <div class="toolbar" role="toolbar">
      <span class="tb-tabs">
        <button class={`tb-tab${view === 'traffic' ? ' active' : ''}`} data-testid="tab-traffic" onClick={() => onView('traffic')}>
          Traffic
        </button>
        <button class={`tb-tab${view === 'keys' ? ' active' : ''}`} data-testid="tab-keys" onClick={() => onView('keys')}>
          Keys
        </button>
      </span>
      <span class="sep" />
      <button
        class={`tb-btn${paused ? '' : ' rec'}`}
        data-testid="pause"
        aria-pressed={paused}
        title={paused ? 'Resume recording' : 'Pause recording (new exchanges are ignored)'}
        onClick={() => onPause(!paused)}
      >
        {paused ? '▶ Resume' : '● Recording'}
      </button>
      <button class="tb-btn" data-testid="clear" title="Clear the list and this tab's capture buffer" onClick={onClear}>
        ⊘ Clear
      </button>
      <span class="sep" />
      <input
        class={`tb-input tb-search${searchError ? ' bad' : ''}`}
        data-testid="search"
        type="search"
        placeholder={filter.regex ? 'Search bodies (regex)' : 'Search decrypted bodies'}
        value={filter.query}
        onInput={(e) => set({ query: (e.target as HTMLInputElement).value })}
        aria-invalid={!!searchError}
      />
      <label class="tb-check" title="Treat the search as a regular expression">
        <input type="checkbox" data-testid="search-regex" checked={filter.regex} onChange={(e) => set({ regex: (e.target as HTMLInputElement).checked })} />
        Regex
      </label>
      <input
        class="tb-input tb-path"
        data-testid="filter-path"
        placeholder="Path contains"
        value={filter.path}
        onInput={(e) => set({ path: (e.target as HTMLInputElement).value })}
      />
      <select class="tb-input" data-testid="filter-status" value={filter.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value as StatusClass })}>
        {STATUS_OPTIONS.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      <label class="tb-check">
        <input type="checkbox" data-testid="filter-failed" checked={filter.failedOnly} onChange={(e) => set({ failedOnly: (e.target as HTMLInputElement).checked })} />
        Failed only
      </label>
      <span class="spacer" />
      {harControls}
    </div>
  );
}
