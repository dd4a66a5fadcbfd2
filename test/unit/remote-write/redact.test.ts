import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/remote-write/redact.js';

describe('redactUrl', () => {
  it.each([
    ['http://h:4040', 'http://h:4040'],
    ['http://h:4040/p/', 'http://h:4040/p/'],
    ['http://user:secret@h:4040', 'http://user:***@h:4040'],
    ['http://user:secret@h/prefix', 'http://user:***@h/prefix'],
    ['https://tokenonly@h/', 'https://***@h/'],
    ['not a url user:pw@x', 'not a url user:pw@x'],
    ['garbage://a:b@c', 'garbage://a:***@c'],
    ['://u:pw@x/y', '://***@x/y'],
  ])('%s -> %s', (input, out) => {
    const r = redactUrl(input);
    expect(r).toBe(out);
    expect(r).not.toContain('secret');
    expect(r).not.toContain('tokenonly');
  });
});
