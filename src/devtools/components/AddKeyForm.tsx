/** Adds a session's AES keys by hand (hex or base64), validated inline before the SW validates again. */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import { codedErrorText, validateManualKey, type FieldErrors, type ManualKey, type ManualKeyForm } from '../model/key-input';

export function AddKeyForm({ add }: { add: (k: ManualKey) => Promise<unknown> }) {
  const [form, setForm] = useState<ManualKeyForm>({ sessionId: '', requestKey: '', responseKey: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  const field = (name: keyof ManualKeyForm, label: string, placeholder: string) => (
    <>
      <label for={`k-${name}`}>{label}</label>
      <div>
        <input
          id={`k-${name}`}
          name={name}
          data-testid={`key-${name}`}
          placeholder={placeholder}
          value={form[name]}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => {
            setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
            setDone(false);
          }}
          aria-invalid={!!errors[name]}
        />
        {errors[name] && <div class="field-error" data-testid={`key-error-${name}`}>{errors[name]}</div>}
      </div>
    </>
  );
  return (
    <form
      data-testid="key-add"
      onSubmit={async (e) => {
        e.preventDefault();
        const v = validateManualKey(form);
        if (!v.ok) return setErrors(v.errors);
        setErrors({});
        try {
          await add(v.value);
          setForm({ sessionId: '', requestKey: '', responseKey: '' });
          setDone(true);
        } catch (err) {
          setErrors({ form: codedErrorText(err) });
        }
      }}
    >
      <div class="form-grid">
        {field('sessionId', t('p_sessionId'), 'sess_…')}
        {field('requestKey', t('p_requestKey'), t('p_keyPlaceholder'))}
        {field('responseKey', t('p_responseKey'), t('p_keyPlaceholder'))}
        <span />
        <div>
          <button class="primary" type="submit" data-testid="key-add-submit">
            {t('p_addKey')}
          </button>
          {done && <span class="ok-msg">{t('p_keyAdded')}</span>}
          {errors.form && <div class="field-error" data-testid="key-error-form">{errors.form}</div>}
        </div>
      </div>
    </form>
  );
}
