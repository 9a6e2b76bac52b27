/**
 * The one-way channel from the MAIN-world hook to the ISOLATED relay (window.postMessage). The tag
 * only tells our messages apart from the page's own; it is no secret — the page can read and forge
 * anything here, which is why the relay validates every message (page-message.ts).
 */
export const CAPTURE_CHANNEL = '__keyhole_capture_v1__';
/** The worker's body limit (limits.ts is constants only, so the hook stays dependency-free). */
export { MAX_BODY_BYTES as CAPTURE_BODY_LIMIT } from '../inspect/limits';
