/**
 * Per-key serial queue: operations on one session (refresh, sign-out, page rotation, moving between
 * storage areas) run one after the other inside a worker, so no two of them read-modify-write the
 * same record at once. Different keys run in parallel.
 */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
