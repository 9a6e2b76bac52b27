/** Registers the Keyhole panel in DevTools. */
import { isFirefox, panelPagePath } from '../ui/platform';

chrome.devtools.panels.create('Keyhole', '', panelPagePath(isFirefox()));
