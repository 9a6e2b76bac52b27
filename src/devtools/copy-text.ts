/**
 * Clipboard writes from a DevTools panel. The async Clipboard API is often refused inside the DevTools
 * front-end's extension iframe ("Document is not focused" / permissions policy), so fall back to the
 * legacy execCommand path, which works for a user-initiated click.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}
