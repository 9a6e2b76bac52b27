/**
 * The popup's view of the worker: one `popupState` call for the first paint, then a re-read whenever
 * storage changes (a refresh from an alarm or another window shows up here without polling). A session
 * the worker writes updates its card at once, before that re-read (session-writes.ts).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PopupState, SessionView } from '../messaging/popup-rpc';
import { callWithRetry, onPush } from '../ui/rpc-client';
import { sessionPushApplier } from './session-writes';

export function usePopupState() {
  const [state, setState] = useState<PopupState | null>(null);
  const [error, setError] = useState<{ code?: string; message: string } | null>(null);

  const reload = useCallback(() => {
    callWithRetry('popupState', {}).then(
      (s) => {
        setState(s);
        setError(null);
      },
      setError, // a KeyholeError: its code and message
    );
  }, []);

  useEffect(() => {
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Any area: Keyhole writes only `local` and `session`, so another one's change just reads again.
    const onChanged = () => {
      clearTimeout(timer);
      timer = setTimeout(reload, 60);
    };
    chrome.storage.onChanged.addListener(onChanged);
    onPush(sessionPushApplier(setState));
    return () => {
      chrome.storage.onChanged.removeListener(onChanged);
      onPush(undefined);
    };
  }, [reload]);

  /** Put a session the worker just returned into the list at once (no wait for the storage event). */
  const upsert = useCallback((v: SessionView) => {
    setState((s) => (s ? { ...s, sessions: s.sessions.some((x) => x.key === v.key) ? s.sessions.map((x) => (x.key === v.key ? v : x)) : [...s.sessions, v] } : s));
  }, []);
  const remove = useCallback((key: string) => {
    setState((s) => (s ? { ...s, sessions: s.sessions.filter((x) => x.key !== key) } : s));
  }, []);

  return { state, error, reload, upsert, remove };
}
