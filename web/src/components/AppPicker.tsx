import type { AppInfo } from '../api';

export function AppPicker({ apps, value, onChange, id = 'app' }: { apps: AppInfo[]; value: string; onChange: (app: string) => void; id?: string }) {
  const names = apps.map((a) => a.name);
  // An app named in the URL but not (yet) listed stays selectable, so a bookmark never silently switches apps.
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <label className="field" htmlFor={id}>
      <span>Application</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {value === '' ? <option value="">Select an application</option> : null}
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
