/**
 * A session the worker has just written, shown at once (issue #12, the Refresh click): the worker pushes
 * each session record's view as its write is issued (background/sessions/popup-port.ts `PopupPushes`),
 * one message after it has a refresh's answer, sooner than `storage.onChanged` hands the write out. The
 * view carries no token (the access token masked, the refresh token never). Only sessions already in the
 * list change, keeping their environment's name and URL; added or removed sessions and everything else
 * wait for the re-read that follows every storage change.
 */
import type { PopupState } from '../messaging/popup-rpc';
import { SessionWritten } from '../messaging/popup-rpc';

/** `state` with the pushed session's view in place; `state` itself for anything else. */
export function applySessionPush(state: PopupState, raw: unknown): PopupState {
  const m = SessionWritten.safeParse(raw);
  if (!m.success) return state;
  const { view } = m.data;
  const i = state.sessions.findIndex((s) => s.key === view.key);
  if (i < 0) return state;
  const prev = state.sessions[i]!;
  return { ...state, sessions: state.sessions.with(i, { ...view, envName: prev.envName, apiBase: prev.apiBase }) };
}
