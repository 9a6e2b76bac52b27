/** The Keys tab: the keyring, a form to add session keys, and a test-environment RSA private key. */
import { t } from '../../ui/i18n';
import type { KeyringSnapshot } from '../inspect-types';
import type { ManualKey } from '../model/key-input';
import { AddKeyForm } from './AddKeyForm';
import { KeyringTable } from './KeyringTable';
import { PrivateKeyForm } from './PrivateKeyForm';

export interface KeysPanelProps {
  keyring?: KeyringSnapshot;
  addKey: (k: ManualKey) => Promise<unknown>;
  removeKey: (index: number) => void;
  setPrivateKey: (pem: string | null) => Promise<{ unwrapped: number }>;
}

export function KeysPanel({ keyring, addKey, removeKey, setPrivateKey }: KeysPanelProps) {
  return (
    <div class="keys" data-testid="keys-panel">
      <h2>{t('p_keysKnown')}</h2>
      <KeyringTable keyring={keyring} remove={removeKey} />
      <h2>{t('p_keysAdd')}</h2>
      <AddKeyForm add={addKey} />
      <h2>{t('p_keysPrivate')}</h2>
      <PrivateKeyForm hasKey={keyring?.hasPrivateKey ?? false} set={setPrivateKey} />
    </div>
  );
}
