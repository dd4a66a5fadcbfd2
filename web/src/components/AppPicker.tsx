// App and profile type in one selector: names like `shop.cpu` and `shop.alloc_space` are grouped under `shop`
// with their profile types as options, as the original's selector groups them.
import type { AppInfo } from '../api';

function group(names: string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const dot = n.lastIndexOf('.');
    const base = dot > 0 ? n.slice(0, dot) : n;
    groups.set(base, [...(groups.get(base) ?? []), n]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function AppPicker({ apps, value, onChange, id = 'app' }: { apps: AppInfo[]; value: string; onChange: (app: string) => void; id?: string }) {
  const names = apps.map((a) => a.name);
  // An app named in the URL but not (yet) listed stays selectable, so a bookmark never silently switches apps.
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <label className="field" htmlFor={id}>
      <span>Application and profile type</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {value === '' ? <option value="">Select an application</option> : null}
        {group(names).map(([base, members]) =>
          members.length === 1 && members[0] === base ? (
            <option key={base} value={base}>
              {base}
            </option>
          ) : (
            <optgroup key={base} label={base}>
              {members.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </optgroup>
          ),
        )}
      </select>
    </label>
  );
}
