/**
 * Collapsible JSON tree in the DevTools object-viewer style. The first two levels start open (an SCv2
 * response's interesting part is `data`, one level down). Secret-named string fields are masked unless
 * `reveal` is on; big arrays/objects render their first 200 children until asked for more, so a huge
 * body cannot freeze the panel.
 */
import { useState } from 'preact/hooks';
import { t } from '../../ui/i18n';
import { isSecretField, maskSecret } from '../model/secrets';

const PAGE = 200;

export function JsonTree({ value, reveal }: { value: unknown; reveal: boolean }) {
  return (
    <div class="tree" role="tree" translate={false}>
      <ul>
        <Node name={undefined} value={value} depth={0} reveal={reveal} />
      </ul>
    </div>
  );
}

function Leaf({ name, value, reveal }: { name?: string; value: unknown; reveal: boolean }) {
  let body;
  if (typeof value === 'string') {
    body =
      !reveal && name !== undefined && isSecretField(name) ? (
        <span class="masked" title={t('p_maskedTitle')}>
          {maskSecret(value)}
        </span>
      ) : (
        <span class="s">"{value}"</span>
      );
  } else if (typeof value === 'number') body = <span class="n">{String(value)}</span>;
  else if (typeof value === 'boolean') body = <span class="b">{String(value)}</span>;
  else body = <span class="z">null</span>;
  return body;
}

function summary(value: object): string {
  if (Array.isArray(value)) return `Array(${value.length})`;
  const keys = Object.keys(value);
  return `{${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

function Node({ name, value, depth, reveal }: { name?: string; value: unknown; depth: number; reveal: boolean }) {
  const isObj = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < 2);
  const [limit, setLimit] = useState(PAGE);
  const label = name !== undefined && (
    <>
      <span class="k">{name}</span>:{' '}
    </>
  );
  if (!isObj) {
    return (
      <li role="treeitem">
        <span class="tw" />
        {label}
        <Leaf name={name} value={value} reveal={reveal} />
      </li>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  return (
    <li role="treeitem" aria-expanded={open}>
      <span class="tw" onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'}
      </span>
      <span onClick={() => setOpen(!open)} style={{ cursor: 'pointer' }}>
        {label}
        <span class="sum">{summary(value as object)}</span>
      </span>
      {open && (
        <ul role="group">
          {entries.slice(0, limit).map(([k, v]) => (
            <Node key={k} name={k} value={v} depth={depth + 1} reveal={reveal} />
          ))}
          {entries.length > limit && (
            <li>
              <button class="tb-btn" onClick={() => setLimit(limit + PAGE)}>
                {t('p_more', String(entries.length - limit))}
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}
