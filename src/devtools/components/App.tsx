/**
 * The Keyhole panel: wires the live stream, the DevTools network source and HAR import into one
 * TrafficStore, and lays out toolbar / list + detail / status bar, or the Keys tab.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PanelBackend, ConnectionState, LiveStatus } from '../backend/backend';
import { startNetworkSource } from '../backend/network-source';
import { createLocalDecryptor, decryptViaSw, learnPanelHandshakes, snapshotDecryptor } from '../import/local-decryptor';
import { importHarFile, type ImportProgress } from '../import/har-import';
import type { CapturedExchange, KeyringSnapshot } from '../inspect-types';
import { t } from '../../ui/i18n';
import { watchNavigation } from '../backend/navigation';
import { nextSort, sortRows, type ColumnId, type SortState } from '../model/columns';
import { collectSuggestionSource, parseFilter, type FilterProblem } from '../model/filter-query';
import { createRedecryptor } from '../model/redecrypt';
import { rowVerdict } from '../model/row-summary';
import { TrafficStore, type Row } from '../model/traffic-store';
import { useStoreVersion } from '../use-store';
import { isFirefox } from '../../ui/platform';
import { DetailPane } from './DetailPane';
import { FirefoxNetworkHint } from './FirefoxNetworkHint';
import { HarExportButton } from './HarExportButton';
import { HarImportButton } from './HarImportButton';
import { KeysPanel } from './KeysPanel';
import { SplitPane } from './SplitPane';
import { StatusBar } from './StatusBar';
import { Toolbar } from './Toolbar';
import { TrafficList } from './TrafficList';
import { createResendRunner } from '../resend/runner';
import { ResendsInFlight } from '../resend/in-flight';
import { ComposeButton } from './ComposeDialog';

export interface AppProps {
  backend: PanelBackend;
  tabId: number;
  version: string;
  /** Exposed for tests and the bench (window.__keyhole). */
  store?: TrafficStore;
}

/** Search runs over every decrypted body: wait for a typing pause before re-filtering 10,000 rows. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Remembered like DevTools' own "Preserve log" checkbox; off by default. */
const PRESERVE_KEY = 'keyhole.panel.preserveLog';
/** Below this panel width (DevTools docked to the side) the detail goes under the list. */
const NARROW_PX = 700;

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => globalThis.innerWidth < NARROW_PX);
  useEffect(() => {
    const on = () => setNarrow(globalThis.innerWidth < NARROW_PX);
    addEventListener('resize', on);
    return () => removeEventListener('resize', on);
  }, []);
  return narrow;
}

/** A filter problem in the user's language. */
function problemText(p: FilterProblem): string {
  switch (p.code) {
    case 'tooLong':
      return t('p_filterTooLong', String(p.max));
    case 'badRegex':
      return t('p_filterBadRegex', p.detail);
    case 'badSize':
      return t('p_filterBadSize', p.value);
    case 'badIs':
      return t('p_filterBadIs', p.value);
    case 'badStatus':
      return t('p_filterBadStatus', p.value);
  }
}

export function App({ backend, tabId, version, store: given }: AppProps) {
  const store = useMemo(() => given ?? new TrafficStore(), [given]);
  const storeVersion = useStoreVersion(store);
  const [view, setView] = useState<'traffic' | 'keys'>('traffic');
  const [filter, setFilter] = useState('');
  const debouncedFilter = useDebounced(filter, 150);
  const [sort, setSort] = useState<SortState>();
  const [preserve, setPreserveState] = useState(() => globalThis.localStorage?.getItem(PRESERVE_KEY) === '1');
  const preserveRef = useRef(preserve);
  preserveRef.current = preserve;
  const setPreserve = (on: boolean) => {
    setPreserveState(on);
    globalThis.localStorage?.setItem(PRESERVE_KEY, on ? '1' : '0');
  };
  const narrow = useNarrow();
  const [selected, setSelected] = useState<number>();
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  const [ignored, setIgnored] = useState(0);
  const [keyring, setKeyring] = useState<KeyringSnapshot>();
  const keyringRef = useRef<KeyringSnapshot | undefined>(undefined);
  keyringRef.current = keyring;
  const [connection, setConnection] = useState<{ state: ConnectionState; detail?: string }>({ state: 'connecting' });
  const [live, setLive] = useState<LiveStatus>();
  const [progress, setProgress] = useState<ImportProgress>();
  const firefox = useMemo(() => isFirefox(), []);
  // Resends under way, so the DevTools Network source skips them (resend/in-flight.ts).
  const inFlight = useMemo(() => {
    const f = new ResendsInFlight();
    const exposed = (globalThis as { __keyhole?: { resendsInFlight?: ResendsInFlight } }).__keyhole;
    if (exposed) exposed.resendsInFlight = f; // e2e: Chrome's postData matched the sealed bytes
    return f;
  }, []);
  const [networkHeard, setNetworkHeard] = useState(false);

  // Rows only the panel holds (HAR, DevTools network) are decrypted again here when the keyring learns
  // keys; live hook rows are re-decrypted and re-sent by the worker that buffers them (redecrypt.ts).
  const redecrypt = useMemo(
    () =>
      createRedecryptor({
        rows: () => store.rows,
        row: (id) => store.byExchangeId(id),
        upsert: (list) => store.upsert(list),
        local: snapshotDecryptor,
        worker: (list) => decryptViaSw(backend, list),
        onReplaced: (changes) => {
          // The import summary counts what the import saw; keep it true as its rows decrypt later.
          const fixed = changes.filter((c) => c.before.exchange.source === 'har' && rowVerdict(c.before) === 'failed' && rowVerdict(c.after) !== 'failed').length;
          if (fixed > 0) setProgress((p) => (p?.phase === 'done' ? { ...p, decrypted: p.decrypted + fixed, failed: Math.max(0, p.failed - fixed) } : p));
        },
      }),
    [backend, store],
  );
  useEffect(() => () => redecrypt.stop(), [redecrypt]);
  useEffect(() => {
    if (keyring) redecrypt.keyring(keyring);
  }, [keyring, redecrypt]);

  useEffect(() => {
    const disconnect = backend.connect({
      exchanges: (list) => {
        if (pausedRef.current) {
          // Updates of rows already shown (late keys) still apply; only new traffic is ignored.
          const known = list.filter((d) => store.byExchangeId(d.exchange.id) !== undefined);
          setIgnored((n) => n + list.length - known.length);
          return store.upsert(known);
        }
        store.upsert(list);
      },
      keyring: setKeyring,
      connection: (state, detail) => setConnection({ state, detail }),
      status: setLive,
      cleared: () => {
        store.clear();
        setSelected(undefined);
      },
    });
    // Preserve log off: the list starts over with each page; on: a marker row where it navigated.
    const stopNavigation = watchNavigation((at, url) => store.navigated(at, url, preserveRef.current));
    const stopNetwork = startNetworkSource({
      tabId,
      store,
      accept: () => !pausedRef.current,
      decrypt: (list) => backend.decryptBatch(list),
      firefox,
      heard: () => setNetworkHeard(true),
      ours: (req) => inFlight.claim(req),
    });
    backend.getKeyring().then(setKeyring, () => {});
    return () => {
      disconnect();
      stopNavigation();
      stopNetwork();
    };
  }, [backend, store, tabId, firefox, inFlight]);

  // One runner (and so one link to the page) per panel: it reads the keyring when it sends.
  const runner = useMemo(() => createResendRunner({ backend, tabId, store, select: setSelected, keyring: () => keyringRef.current, inFlight }), [backend, tabId, store, inFlight]);
  useEffect(() => () => runner.close(), [runner]);
  const resend = useMemo(() => ({ keyring, runner, original: (id: string) => store.byExchangeId(id)?.data }), [runner, store, keyring]);

  const predicate = useMemo(() => parseFilter(debouncedFilter), [debouncedFilter]);
  const lastGood = useRef<readonly Row[]>([]);
  const shown = useMemo(() => {
    if (!predicate.ok) return lastGood.current;
    const rows = sortRows(predicate.empty ? store.rows : store.rows.filter(predicate.test), sort);
    lastGood.current = rows;
    return rows;
    // storeVersion: re-filter when rows change.
  }, [predicate, sort, storeVersion, store]);
  // No closure here may use `shown`: V8 gives all of a render's closures one scope, and the hooks that
  // re-run only when their inputs change (the keyring's effect, `resend`) keep theirs for renders to
  // come, so one closure over `shown` kept every row of the render the keyring last changed in, after
  // Clear too (test/e2e/panel-memory.test.ts; ~100 MB after a 10,000-row import, performance-notes.md).
  const filterError = predicate.ok ? undefined : problemText(predicate.problem);
  const suggestions = useMemo(() => () => collectSuggestionSource(store.rows), [store, storeVersion]);
  const failed = useMemo(() => store.rows.reduce((n, r) => n + (r.summary.verdict === 'failed' ? 1 : 0), 0), [storeVersion, store]);
  const selectedRow = selected !== undefined ? store.getBySeq(selected) : undefined;
  // A HAR import holds the list where it is until it settles (VirtualList's holdTail).
  const importing = progress?.phase === 'reading' || progress?.phase === 'parsing' || progress?.phase === 'decrypting';

  const onClear = async () => {
    store.clear();
    setSelected(undefined);
    setIgnored(0);
    setProgress(undefined);
    await backend.clear().catch(() => {});
  };

  const onImport = async (file: File) => {
    setProgress({ phase: 'reading', total: 0, done: 0, decrypted: 0, failed: 0, skipped: 0 });
    // The bench compares both paths; see local-decryptor.ts for why local is the default.
    const via = (globalThis as { __keyhole?: { importVia?: string } }).__keyhole?.importVia;
    const local = createLocalDecryptor(backend, keyringRef.current);
    const decrypt = via === 'sw' ? (chunk: CapturedExchange[]) => decryptViaSw(backend, chunk) : local.decrypt;
    // Streamed: the first rows are decrypted and shown while the rest of the file is still being read.
    const chunk = (globalThis as { __keyhole?: { importChunk?: number } }).__keyhole?.importChunk; // bench knob (BENCH_CHUNKS)
    await importHarFile(file, { decrypt, prepare: local.prepare, onRows: (rows) => store.upsert(rows), onProgress: setProgress, chunk });
    // Keys that arrived while the file was being decrypted: its rows catch up with them.
    redecrypt.since(local.snapshot());
  };

  const setPrivateKey = async (pem: string | null) => {
    const r = await backend.setPrivateKey(pem);
    if (pem === null) return r;
    // The worker unwrapped the handshakes it buffers; those of imported and DevTools rows are only here.
    const panel = await learnPanelHandshakes(backend, store.rows).catch(() => ({ learnt: 0, keyring: undefined }));
    if (panel.keyring) setKeyring(panel.keyring);
    return { unwrapped: r.unwrapped + panel.learnt };
  };

  const emptyMessage = (
    <>
      <b>{t('p_emptyTitle')}</b>
      <br />
      {t('p_emptyHint')}
    </>
  );

  return (
    <div class="app">
      <Toolbar
        view={view}
        onView={setView}
        paused={paused}
        onPause={setPaused}
        onClear={onClear}
        preserve={preserve}
        onPreserve={setPreserve}
        filter={filter}
        onFilter={setFilter}
        suggestions={suggestions}
        filterError={filterError}
        harControls={
          <>
            <ComposeButton runner={resend.runner} keyring={keyring} />
            <HarImportButton onFile={onImport} busy={progress?.phase === 'decrypting' || progress?.phase === 'parsing'} />
            <HarExportButton rows={shown} keyring={keyring} version={version} />
          </>
        }
      />
      {filterError && (
        <div class="inline-error" data-testid="search-error" role="alert">
          {filterError}
        </div>
      )}
      {firefox && !networkHeard && view === 'traffic' && <FirefoxNetworkHint />}
      {view === 'traffic' ? (
        <SplitPane
          vertical={narrow}
          left={
            <TrafficList
              rows={shown}
              version={storeVersion}
              markers={store.markers}
              selectedSeq={selectedRow?.seq}
              onSelect={setSelected}
              sort={sort}
              onSort={(c: ColumnId) => setSort((s) => nextSort(s, c))}
              emptyMessage={emptyMessage}
              holdTail={importing}
            />
          }
          right={
            selectedRow && (
              <DetailPane row={selectedRow} onClose={() => setSelected(undefined)} follow={(id) => backend.followSession(id)} stacked={narrow} resend={resend} />
            )
          }
        />
      ) : (
        <KeysPanel
          keyring={keyring}
          addKey={async (k) => setKeyring(await backend.addManualKey(k))}
          removeKey={(i) => backend.removeKey(i).then(setKeyring, () => {})}
          setPrivateKey={setPrivateKey}
        />
      )}
      <StatusBar
        total={store.rows.length}
        shown={shown.length}
        failed={failed}
        preflights={store.preflights}
        connection={connection.state}
        connectionDetail={connection.detail}
        live={live}
        progress={progress}
        ignoredWhilePaused={ignored}
      />
    </div>
  );
}
