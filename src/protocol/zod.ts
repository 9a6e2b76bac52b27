/**
 * The one door to zod for everything bundled into the extension: `import * as z from '../protocol/zod'`.
 *
 * - `zod/mini` (functional checks: `z.string().check(z.maxLength(n))`, `z.optional(s)`) because it
 *   tree-shakes: each context pays only for the schema kinds it uses, where classic zod costs every
 *   context ~42 KB gzipped (issue #12, budgets in scripts/bundle-size.ts).
 * - `jitless` before any schema exists: zod decides per object schema, at construction, whether to
 *   compile a fast path with `new Function`; probing for that is a CSP violation report in pages and a
 *   `DANGEROUS_EVAL` for web-ext lint. Setting it here, in the module every schema file imports first,
 *   is what makes the order certain (ES modules evaluate a dependency before its importers).
 * - No locale: mini's default message is "Invalid input". The places whose zod messages reach a person
 *   either pass their own text (`z.minLength(1, 'Session id is required')`) or load English themselves
 *   (`src/client/read-response.ts`).
 * Node-only code (gateway, CLI) may use classic zod; the two share zod's core, so schemas mix.
 */
import { config } from 'zod/mini';

config({ jitless: true });

export * from 'zod/mini';
