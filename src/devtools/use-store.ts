/**
 * Subscribes a component to the TrafficStore, coalescing bursts to one render per animation frame:
 * a HAR import or the initial buffered batch may call upsert dozens of times per frame. A change marked
 * `now` (the row a Resend click adds) renders at once, in the same render as the selection it comes with.
 */
import { useEffect, useState } from 'preact/hooks';
import type { TrafficStore } from './model/traffic-store';

export function useStoreVersion(store: TrafficStore): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => {
    let frame = 0;
    const flush = () => {
      frame = 0;
      setVersion(store.version);
    };
    const unsubscribe = store.subscribe((now) => {
      if (now) {
        if (frame !== 0) cancelAnimationFrame(frame);
        flush();
      } else if (frame === 0) frame = requestAnimationFrame(flush);
    });
    setVersion(store.version);
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [store]);
  return version;
}
