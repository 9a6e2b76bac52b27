/**
 * "Follow in Keyhole": hands a token pair the page obtained (login/refresh answer) to the session
 * engine, which then keeps it alive. After that, the page and Keyhole share a single-use refresh token
 * (spec §11), so the button says what it does in its title.
 */
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
        title={`Let Keyhole keep this ${target.kind} session for ${target.apiBase} alive. Refresh tokens are single-use: once Keyhole refreshes, the page's copy is spent.`}
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
        {state.kind === 'done' ? 'Following ✓' : state.kind === 'busy' ? 'Following…' : 'Follow in Keyhole'}
      </button>
      {state.kind === 'error' && <span class="field-error">{state.message}</span>}
    </>
  );
}
