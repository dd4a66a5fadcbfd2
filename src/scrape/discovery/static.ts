// static-configs: the configured groups, reported once.
import type { StaticGroup } from '../../config/scrape-config.js';
import { ADDRESS_LABEL } from '../labels.js';
import type { Discoverer } from './discoverer.js';

export function createStaticDiscoverer(groups: StaticGroup[]): Discoverer {
  return {
    start(onUpdate) {
      onUpdate(
        groups.map((g, i) => ({
          source: `static/${i}`,
          targets: g.targets.map((t) => ({ [ADDRESS_LABEL]: t })),
          labels: { ...g.labels },
        })),
      );
    },
    async stop() {},
  };
}
