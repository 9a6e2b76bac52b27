/**
 * One serial lane per tab (issue #10 item 2: all tabs shared one queue, so a page flooding keys delayed
 * every other tab by seconds). Work of one tab stays in order — keys learnt from a handshake are in the
 * keyring before the next exchange of that tab is decrypted — while tabs interleave at every await.
 * Lanes that fall idle are dropped, so the map holds only tabs with work queued.
 */
export type Lane = number | 'global';

/** Lanes chain through promises, i.e. microtasks, which run to exhaustion before any other event: after this long without a turn, the next job waits one macrotask so relay messages, port messages and crypto completions get in. */
const SLICE_MS = 8;
let turnAt = performance.now();

async function fairTurn(): Promise<void> {
  if (performance.now() - turnAt < SLICE_MS) return;
  await yieldTurn();
}

export class Lanes {
  private tails = new Map<Lane, Promise<void>>();

  constructor(private readonly before: () => Promise<void> = async () => {}) {}

  run<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(lane) ?? Promise.resolve();
    const next = prev.then(fairTurn).then(this.before).then(fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return next;
  }

  /** Resolves when every lane has drained, work queued meanwhile included (tests, benches). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

/** One macrotask turn: lets other tabs' messages and the panel's port in between slices of a long pass. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      turnAt = performance.now();
      resolve();
    }, 0),
  );
}
