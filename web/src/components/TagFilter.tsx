// Tag filter: label and value pickers fed by /labels and /label-values for the selected app and range; the
// chosen matchers are part of the query in the URL, each removable.
import { useState } from 'react';
import { api } from '../api';
import { useAsync } from '../hooks';
import { parseQuery, withMatcher, withoutMatcher } from '../query';
import { ErrorBanner } from './ErrorBanner';

export function TagFilter({ query, from, until, onChange, idPrefix = 'tag' }: { query: string; from: string; until: string; onChange: (q: string) => void; idPrefix?: string }) {
  const parsed = parseQuery(query);
  const scope = `${parsed.appName}{}`;
  const [label, setLabel] = useState('');
  const [value, setValue] = useState('');
  const labels = useAsync((s) => (parsed.appName ? api.labels(scope, from, until, s) : Promise.resolve([])), [scope, from, until]);
  const values = useAsync((s) => (label ? api.labelValues(label, scope, from, until, s) : Promise.resolve([])), [label, scope, from, until]);
  const choices = (labels.data ?? []).filter((l) => l !== '__name__');

  return (
    <div className="tag-filter">
      <label className="field" htmlFor={`${idPrefix}-label`}>
        <span>Tag</span>
        <select
          id={`${idPrefix}-label`}
          value={label}
          onChange={(e) => {
            setLabel(e.target.value);
            setValue('');
          }}
          disabled={choices.length === 0}
        >
          <option value="">{choices.length === 0 ? 'no tags' : 'Select a tag'}</option>
          {choices.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${idPrefix}-value`}>
        <span>Value</span>
        <select id={`${idPrefix}-value`} value={value} onChange={(e) => setValue(e.target.value)} disabled={!label}>
          <option value="">Select a value</option>
          {(values.data ?? []).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={!label || !value}
        onClick={() => {
          onChange(withMatcher(query, { key: label, op: '=', value }));
          setLabel('');
          setValue('');
        }}
      >
        Add filter
      </button>
      <ul className="chips" aria-label="Active tag filters">
        {parsed.matchers.map((m) => (
          <li key={m.key} className="chip">
            <code>
              {m.key}
              {m.op}
              {JSON.stringify(m.value)}
            </code>
            <button type="button" aria-label={`Remove filter ${m.key}`} onClick={() => onChange(withoutMatcher(query, m.key))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <ErrorBanner error={labels.error ?? values.error} what="Tags" />
    </div>
  );
}
