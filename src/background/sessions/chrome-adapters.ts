/** The engine's storage, alarms and badge interfaces over the real `chrome.*` APIs (MV3 promise forms). */
import type { Alarms, KvArea, StorageAreas } from './storage-area';
import type { Badge } from './badge';

function area(a: chrome.storage.StorageArea): KvArea {
  return {
    get: (keys) => a.get(keys) as Promise<Record<string, unknown>>,
    set: (items) => a.set(items),
    remove: (keys) => a.remove(keys),
  };
}

export function chromeAreas(): StorageAreas {
  return { local: area(chrome.storage.local), session: area(chrome.storage.session) };
}

export function chromeAlarms(): Alarms {
  return {
    async create(name, info) {
      await chrome.alarms.create(name, info);
    },
    clear: (name) => chrome.alarms.clear(name),
    async getAll() {
      return (await chrome.alarms.getAll()).map((a) => ({ name: a.name, scheduledTime: a.scheduledTime }));
    },
  };
}

export async function setChromeBadge(b: Badge): Promise<void> {
  await chrome.action.setBadgeText({ text: b.text });
  await chrome.action.setBadgeBackgroundColor({ color: b.color });
  await chrome.action.setBadgeTextColor?.({ color: '#ffffff' });
}
