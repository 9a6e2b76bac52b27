/** Capture hub wiring (placeholder until the DevTools feature lands). */
export function installCapture(): void {}
