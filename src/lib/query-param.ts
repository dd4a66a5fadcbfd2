// Repeated query parameters and headers arrive as arrays: the first one counts, as Go's url.Values.Get does.

export type QueryParams = Record<string, string | string[] | undefined>;

/** The first of a possibly repeated value. */
export function firstOf(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** First value of a query parameter; an empty string counts as absent. */
export function firstValue(query: QueryParams | undefined, name: string): string | undefined {
  const s = firstOf(query?.[name]);
  return s === undefined || s === '' ? undefined : s;
}
