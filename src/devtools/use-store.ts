/**
 * Subscribes a component to the TrafficStore, coalescing bursts to one render per animation frame:
 * a HAR import or the initial buffered batch may call upsert dozens of times per frame.
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
    const unsubscribe = store.subscribe(() => {
      if (frame === 0) frame = requestAnimationFrame(flush);
    });
    setVersion(store.version);
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [store]);
  return version;
}
