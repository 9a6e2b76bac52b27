/**
 * popup/options ↔ service worker: the calls the UI pages make. Refresh tokens never cross this
 * boundary; the access token crosses only through `revealAccessToken` (copy / reveal on demand).
 */
import * as z from '../protocol/zod';
import { defineRpc } from './rpc';
import { Environment, Settings } from '../domain/environment';
import { EnvSummary, SessionView } from '../domain/session-view';
export { EnvSummary, SessionView };

/** The long-lived port the popup and the options page call over (messaging/port-transport.ts). */
export const POPUP_PORT_NAME = 'keyhole-popup';

/**
 * The one message the worker sends unasked on that port (or on the page's direct channel): a session
 * record's view, as its write is issued (popup-port.ts `PopupPushes`). `envName`/`apiBase` are not
 * resolved (the page keeps its own).
 */
export const SessionWritten = z.object({ kind: z.literal('session-written'), view: SessionView });
export type SessionWritten = z.infer<typeof SessionWritten>;

const MfaMethod = z.object({ code: z.string(), value: z.number(), label: z.optional(z.string()) });

export const PopupState = z.object({
  version: z.string(),
  activeEnvironment: EnvSummary,
  environments: z.array(EnvSummary),
  sessions: z.array(SessionView),
  now: z.number(),
});
export type PopupState = z.infer<typeof PopupState>;

const Key = z.object({ key: z.string().check(z.minLength(1), z.maxLength(64)) });
const token = z.string().check(z.trim(), z.minLength(1), z.maxLength(8192));

export const popupRpc = defineRpc('popup', {
  getStatus: {
    input: z.object({}),
    output: z.object({ version: z.string(), activeEnvironment: EnvSummary }),
  },
  /** Everything the popup's first paint needs, in one round trip. */
  popupState: { input: z.object({}), output: PopupState },
  refreshSession: { input: Key, output: SessionView },
  signInStart: {
    input: z.object({ envId: z.string(), email: z.string().check(z.trim(), z.minLength(1), z.maxLength(320)), password: z.string().check(z.minLength(8), z.maxLength(128)) }),
    output: z.object({ loginSessionId: z.string(), mfaMethods: z.array(MfaMethod), expiresIn: z.optional(z.number()) }),
  },
  signInComplete: {
    input: z.object({ envId: z.string(), loginSessionId: z.string().check(z.minLength(1), z.maxLength(200)), method: z.int(), code: z.string().check(z.trim(), z.minLength(1), z.maxLength(32)) }),
    output: SessionView,
  },
  adoptSession: {
    input: z.object({ envId: z.string(), refreshToken: token, accessToken: z.optional(token), label: z.optional(z.string().check(z.maxLength(100))) }),
    output: SessionView,
  },
  signOut: { input: Key, output: z.object({ ok: z.boolean() }) },
  revealAccessToken: { input: Key, output: z.object({ accessToken: z.string() }) },
  setActiveEnvironment: { input: z.object({ envId: z.string() }), output: z.object({ ok: z.boolean() }) },
  // ── options page ──
  optionsState: {
    input: z.object({}),
    output: z.object({ environments: z.array(Environment), settings: Settings, clientHash: z.string() }),
  },
  /** Input is validated again in the worker (the form validates too, for the messages). */
  saveEnvironment: { input: z.object({ env: z.unknown() }), output: Environment },
  deleteEnvironment: { input: z.object({ envId: z.string() }), output: z.object({ ok: z.boolean() }) },
  saveSettings: {
    input: z.object({ rememberSessions: z.optional(z.boolean()), refreshMarginSec: z.optional(z.int().check(z.gte(5), z.lte(3600))) }),
    output: Settings,
  },
});
