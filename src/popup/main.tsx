import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { createRpcClient } from '../messaging/rpc';
import { runtimeTransport } from '../messaging/runtime-transport';
import { popupRpc } from '../messaging/popup-rpc';

const rpc = createRpcClient(popupRpc, runtimeTransport(), { timeoutMs: 10_000 });

function Popup() {
  const [status, setStatus] = useState<{ version: string; activeEnvironment: { name: string; apiBase: string } } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    rpc.call('getStatus', {}).then(setStatus, (e: Error) => setError(e.message));
  }, []);
  return (
    <main>
      <h1>Keyhole</h1>
      {status && (
        <p>
          <span data-testid="version">{status.version}</span> · <span data-testid="active-env">{status.activeEnvironment.name}</span>
        </p>
      )}
      {error && <p data-testid="popup-error">{error}</p>}
    </main>
  );
}

render(<Popup />, document.getElementById('app')!);
