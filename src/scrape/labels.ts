// Label names of pull mode, as the original and Prometheus name them, and the label-set helpers.

export type LabelSet = Record<string, string>;

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const APP_NAME_LABEL = '__name__';
export const SPY_NAME_LABEL = '__spy_name__';
export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_PREFIX = '__param_';
export const META_PREFIX = '__meta_';
export const RESERVED_PREFIX = '__';

/** `__profile_<name>_enabled` / `__profile_<name>_path`: per-target overrides of a job's profiles. */
export const profileEnabledLabel = (name: string) => `__profile_${name}_enabled`;
export const profilePathLabel = (name: string) => `__profile_${name}_path`;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const isValidLabelName = (name: string) => LABEL_NAME.test(name);

/** Tags of the stored series: `job`, `instance` and every label that does not start with `__`. */
export function publicLabels(labels: LabelSet): LabelSet {
  const out: LabelSet = {};
  for (const k of Object.keys(labels).sort()) if (!k.startsWith(RESERVED_PREFIX)) out[k] = labels[k];
  return out;
}

export function sortedLabels(labels: LabelSet): LabelSet {
  const out: LabelSet = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k];
  return out;
}
