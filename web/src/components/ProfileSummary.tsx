import type { RenderResponse } from '../api';
import { formatValue } from '../format';

/** The total of a rendered profile in its units, e.g. `12.5 s (1,250 samples)`. */
export function ProfileSummary({ profile, testId = 'total' }: { profile: RenderResponse; testId?: string }) {
  const { numTicks } = profile.flamebearer;
  const { units, sampleRate, spyName } = profile.metadata;
  return (
    <p className="summary">
      Total: <strong data-testid={testId}>{formatValue(numTicks, units, sampleRate)}</strong>{' '}
      <span className="muted">
        ({numTicks.toLocaleString('en-US')} {units || 'units'}
        {spyName && spyName !== 'unknown' ? `, ${spyName}` : ''}
        {units === 'samples' && sampleRate > 0 ? `, ${sampleRate} Hz` : ''})
      </span>
    </p>
  );
}
