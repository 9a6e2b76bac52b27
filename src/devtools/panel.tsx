/**
 * Entry of the Keyhole DevTools panel (devtools/panel.html). The inspected tab comes from
 * chrome.devtools.inspectedWindow; everything else goes through the panel port to the service worker.
 */
import { render } from 'preact';
import './panel.css';
import { createSwBackend } from './backend/sw-backend';
import { App } from './components/App';
import { TrafficStore } from './model/traffic-store';
import { applyTheme } from './theme';

const tabId = chrome.devtools.inspectedWindow.tabId;
const store = new TrafficStore();
// Test and bench hook: lets a harness read the store without scraping the virtual list.
(globalThis as { __keyhole?: unknown }).__keyhole = { store, tabId };

applyTheme();
render(<App backend={createSwBackend(tabId)} tabId={tabId} version={chrome.runtime.getManifest().version} store={store} />, document.getElementById('app')!);
