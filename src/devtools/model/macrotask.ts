/**
 * One macrotask turn (so the list can paint and a click can land between chunks of work), without
 * setTimeout's 4 ms clamp: a MessageChannel round trip. setTimeout where there is no MessageChannel.
 */
export function macrotask(): Promise<void> {
  if (typeof MessageChannel !== 'function') return new Promise((r) => setTimeout(r, 0));
  return new Promise<void>((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
