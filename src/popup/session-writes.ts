/**
 * A session record the worker has just written, shown at once (issue #12, the Refresh click). The browser
 * hands every extension page the written value in `storage.onChanged` as soon as it has applied the
 * write, while the worker still waits for that write's acknowledgement before it answers the popup's call
 * (the never-send-twice guarantee: no answer before the new pair is stored). So the new expiry can be on
 * screen one message sooner, and only once it is stored. Only sessions already in the list change, keeping
 * their environment's name and URL; added or removed sessions and everything else wait for the re-read
 * that follows every change. The record is reduced to its view here: its tokens never enter the popup's
 * state.
 */
import type { PopupState } from '../messaging/popup-rpc';
import { KEYS } from '../domain/storage-keys';
import { SessionRecord } from '../domain/session';
import { toView } from '../domain/session-view';

export type StorageChanges = Record<string, { newValue?: unknown; oldValue?: unknown } | undefined>;

/** `state` with every written session it shows replaced by its new view; `state` itself when none. */
export function applySessionWrites(state: PopupState, changes: StorageChanges): PopupState {
  let sessions = state.sessions;
  for (const [k, change] of Object.entries(changes)) {
    if (!k.startsWith(KEYS.sessionPrefix) || change?.newValue === undefined) continue;
    const i = sessions.findIndex((s) => KEYS.sessionPrefix + s.key === k);
    if (i < 0) continue;
    const rec = SessionRecord.safeParse(change.newValue);
    if (!rec.success || KEYS.sessionPrefix + rec.data.key !== k) continue;
    const prev = sessions[i]!;
    // The marker is in the record from just before the refresh request leaves until its outcome is stored.
    const view = { ...toView(rec.data, undefined, rec.data.inflight !== undefined), envName: prev.envName, apiBase: prev.apiBase };
    sessions = sessions.with(i, view);
  }
  return sessions === state.sessions ? state : { ...state, sessions };
}
