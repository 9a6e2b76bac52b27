/** Registers the Keyhole panel in DevTools. */
chrome.devtools.panels.create('Keyhole', '', 'devtools/panel.html');
