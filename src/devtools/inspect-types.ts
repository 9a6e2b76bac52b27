/**
 * The inspection-model types the panel renders (docs/contracts.md "Traffic inspection model").
 * Panel modules import model types from here only, so the seam to src/inspect stays one file.
 */
export type { CapturedBody, CapturedExchange, DecryptedExchange, DecryptedSide, KeySource, KeyEntry, KeyringSnapshot } from '../inspect';
export type { BodyForm } from '../protocol/detect';
export type { ErrorCode } from '../protocol/errors';
export type { AadMode, EnvelopeAnatomy } from '../protocol/message';
