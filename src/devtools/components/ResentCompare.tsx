/**
 * A resent exchange's answer beside its original's (issue #9): the structural differences first (added,
 * removed, changed — paths and values, secrets masked unless "Show secrets"), then both answers whole.
 * `timestamp` differs on every answer (§2), so it is listed apart rather than drowning the real changes.
 * The two whole answers come one frame after the rest: a Resend click waits for its decrypted answer
 * (the response side below, and the differences), and these two trees were a third of that render.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DecryptedExchange } from '../inspect-types';
import { jsonDiff } from '../resend/json-diff';
import { JsonTree } from './JsonTree';
import { t } from '../../ui/i18n';

const NOISE = new Set(['timestamp']);

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

export function ResentCompare({ resent, original, reveal }: { resent: DecryptedExchange; original: DecryptedExchange | undefined; reveal: boolean }) {
  const [whole, setWhole] = useState(false);
  useEffect(() => setWhole(true), []); // Preact runs effects after the frame is painted
  if (!original) {
    return (
      <div class="notice" data-testid="resent-compare">
        {t('p_rs_cmpGone')}
      </div>
    );
  }
  const a = original.response.json;
  const b = resent.response.json;
  if (a === undefined || b === undefined) {
    return (
      <div class="notice" data-testid="resent-compare">
        {t('p_rs_cmpNotJson')}
      </div>
    );
  }
  const diff = jsonDiff(a, b);
  const real = diff.filter((e) => !NOISE.has(e.path));
  const noise = diff.length - real.length;
  return (
    <details class="section resent-compare" data-testid="resent-compare" open>
      <summary>
        {t('p_rs_cmpSummary', real.length === 0 ? t('p_rs_cmpNone') : real.length === 1 ? t('p_rs_cmpOne') : t('p_rs_cmpMany', String(real.length)))}
        {noise > 0 && <span class="hint"> {t('p_rs_cmpTimestamp')}</span>}
      </summary>
      {real.length > 0 && (
        <table class="diff" data-testid="json-diff">
          <tbody>
            {real.map((e) => (
              <tr class={`d-${e.kind}`} data-kind={e.kind} data-path={e.path}>
                <td class="d-path">{e.path || '(root)'}</td>
                <td class="d-before">{e.kind === 'added' ? '' : reveal ? show(e.before) : masked(e.path, e.before)}</td>
                <td class="d-arrow">{e.kind === 'added' ? '+' : e.kind === 'removed' ? '−' : '→'}</td>
                <td class="d-after">{e.kind === 'removed' ? '' : reveal ? show(e.after) : masked(e.path, e.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {whole && (
        <div class="diff-sides" data-testid="resent-compare-whole">
          <div>
            <h3>{t('p_rs_cmpOriginal')}</h3>
            <JsonTree value={a} reveal={reveal} />
          </div>
          <div>
            <h3>{t('p_rs_cmpResent')}</h3>
            <JsonTree value={b} reveal={reveal} />
          </div>
        </div>
      )}
    </details>
  );
}

const SECRET = /(token|password|secret|key)$/i;
function masked(path: string, v: unknown): string {
  return SECRET.test(path) && typeof v === 'string' ? '••••' : show(v);
}
