/**
 * A session the worker has just written, shown at once (issue #12, the Refresh click): the worker pushes
 * each session record's view as its write is issued (background/sessions/popup-port.ts `PopupPushes`),
 * one message after it has a refresh's answer, sooner than `storage.onChanged` hands the write out. The
 * view carries no token (the access token masked, the refresh token never). Only sessions already in the
 * list change, keeping their environment's name and URL; added or removed sessions and everything else
 * wait for the re-read that follows every storage change.
 */
import type { PopupState, SessionView } from '../messaging/popup-rpc';
import { SessionWritten } from '../messaging/popup-rpc';

/** `state` with the pushed session's view in place; `state` itself when that session is not listed. */
export function applySessionPush(state: PopupState, view: SessionView): PopupState {
  const i = state.sessions.findIndex((s) => s.key === view.key);
  if (i < 0) return state;
  const prev = state.sessions[i]!;
  return { ...state, sessions: state.sessions.with(i, { ...view, envName: prev.envName, apiBase: prev.apiBase }) };
}

/** How long a marker's view waits: about a frame, too short to see. */
export const MARKER_DELAY_MS = 16;

/**
 * Applies what the worker pushes (unparsed: anything else is ignored) through `update`. A marker's view
 * ("refreshing") is applied MARKER_DELAY_MS later, and not at all when a newer push for its session comes
 * first: in the popup that clicked, the button already says a refresh runs, and rendering that again while
 * the refresh's request is on the wire shares the machine's cores with it (README Measurements, the Refresh
 * click). Every other view at once.
 */
export function sessionPushApplier(update: (f: (s: PopupState | null) => PopupState | null) => void): (raw: unknown) => void {
  const waiting = new Map<string, ReturnType<typeof setTimeout>>();
  return (raw) => {
    const m = SessionWritten.safeParse(raw);
    if (!m.success) return;
    const { view } = m.data;
    clearTimeout(waiting.get(view.key)); // a fired timer's id is harmless here
    const apply = () => update((s) => s && applySessionPush(s, view));
    if (view.refreshing) waiting.set(view.key, setTimeout(apply, MARKER_DELAY_MS));
    else apply();
  };
}
