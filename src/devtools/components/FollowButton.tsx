/**
 * "Follow in Keyhole": hands a token pair the page obtained (login/refresh answer) to the session
 * engine, which then keeps it alive. After that, the page and Keyhole share a single-use refresh token
 * (spec §11), so the button says what it does in its title.
 */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import { codedErrorText } from '../model/key-input';

export interface FollowTarget {
  exchangeId: string;
  apiBase: string;
  kind: 'login' | 'refresh';
}

export function FollowButton({ target, follow }: { target: FollowTarget; follow: (exchangeId: string) => Promise<unknown> }) {
  const [state, setState] = useState<{ kind: 'idle' | 'busy' | 'done' } | { kind: 'error'; message: string }>({ kind: 'idle' });
  return (
    <>
      <button
        class="tb-btn on"
        data-testid="follow-session"
        disabled={state.kind === 'busy' || state.kind === 'done'}
        title={t(target.kind === 'login' ? 'p_followLoginTitle' : 'p_followRefreshTitle', target.apiBase)}
        onClick={async () => {
          setState({ kind: 'busy' });
          try {
            await follow(target.exchangeId);
            setState({ kind: 'done' });
          } catch (e) {
            setState({ kind: 'error', message: codedErrorText(e) });
          }
        }}
      >
        {state.kind === 'done' ? t('p_followDone') : state.kind === 'busy' ? t('p_followBusy') : t('p_follow')}
      </button>
      {state.kind === 'error' && <span class="field-error">{state.message}</span>}
    </>
  );
}
