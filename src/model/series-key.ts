// The identity of a series: app name plus tags. Its normalized text form `app{k1=v1,k2=v2}` (keys sorted
// bytewise, values verbatim, `app{}` without tags) is the store key, the forwarded `name` and the
// `/api/apps` name. Parsing the `name` query parameter lives in name.ts.

export type Labels = Readonly<Record<string, string>>;

export interface SeriesKey {
  appName: string;
  labels: Labels;
}

const bytewise = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function normalizeKey(key: SeriesKey): string {
  const parts = Object.keys(key.labels)
    .sort(bytewise)
    .map((k) => `${k}=${key.labels[k]}`);
  return `${key.appName}{${parts.join(',')}}`;
}

/** Returns a key whose labels are `base` overridden by `override` (override wins on the same key). */
export function withLabels(key: SeriesKey, override: Labels): SeriesKey {
  return { appName: key.appName, labels: { ...key.labels, ...override } };
}

export { bytewise };
