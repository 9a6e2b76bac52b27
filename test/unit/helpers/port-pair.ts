/** Two linked in-memory ports with a JSON round trip, like runtime.Port. `sender` is what the worker's end reports. */
export function portPair(name: string, sender: { id?: string; url?: string } = { id: 'ext', url: 'chrome-extension://ext/devtools/panel.html' }) {
  const mk = () => ({ msg: [] as Array<(m: unknown) => void>, disc: [] as Array<() => void> });
  const a = mk();
  const b = mk();
  let open = true;
  const end = (self: ReturnType<typeof mk>, other: ReturnType<typeof mk>) => ({
    name,
    sender,
    postMessage: (m: unknown) => {
      if (!open) throw new Error('disconnected');
      const copy = JSON.parse(JSON.stringify(m));
      queueMicrotask(() => other.msg.forEach((l) => l(copy)));
    },
    disconnect: () => {
      if (!open) return;
      open = false;
      other.disc.forEach((l) => l());
    },
    isOpen: () => open,
    onMessage: { addListener: (l: (m: unknown) => void) => self.msg.push(l), removeListener: () => {} },
    onDisconnect: { addListener: (l: () => void) => self.disc.push(l) },
  });
  return { panel: end(a, b), worker: end(b, a) };
}
