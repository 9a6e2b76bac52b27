/** popup/options ↔ service worker: the calls the UI pages make. */
import { z } from 'zod';
import { defineRpc } from './rpc';

export const popupRpc = defineRpc('popup', {
  getStatus: {
    input: z.object({}),
    output: z.object({ version: z.string(), activeEnvironment: z.object({ id: z.string(), name: z.string(), apiBase: z.string() }) }),
  },
});
