// The generated code is committed; these tests pin it to the wire (a known byte vector) and to the
// vendored .proto files (regenerating must reproduce the committed output).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { create, fromBinary, toBinary, toJson, fromJson } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { PushRequestSchema } from '../../../src/proto/push/v1/push_pb.js';
import { LabelPairSchema } from '../../../src/proto/types/v1/types_pb.js';

const root = join(import.meta.dirname, '../../..');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('generated protobuf code', () => {
  const request = create(PushRequestSchema, {
    series: [
      {
        labels: [create(LabelPairSchema, { name: 'a', value: 'b' })],
        samples: [{ rawProfile: Uint8Array.of(1, 2) }],
      },
    ],
  });

  it('encodes a PushRequest to the published byte vector', () => {
    const hex = Buffer.from(toBinary(PushRequestSchema, request)).toString('hex');
    expect(hex).toBe('0a0e0a060a0161120162120' + '40a020102');
  });

  it('round-trips through protobuf JSON with bytes as base64', () => {
    const json = toJson(PushRequestSchema, request) as { series: { samples: { rawProfile: string }[] }[] };
    expect(json.series[0].samples[0].rawProfile).toBe('AQI=');
    const back = fromJson(PushRequestSchema, json);
    expect(toBinary(PushRequestSchema, back)).toEqual(toBinary(PushRequestSchema, request));
    expect(fromBinary(PushRequestSchema, toBinary(PushRequestSchema, request)).series[0].labels[0].value).toBe('b');
  });

  describe('regeneration', () => {
    const out = mkdtempSync(join(tmpdir(), 'pyrelay-proto-'));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it('reproduces the committed src/proto byte for byte', () => {
      execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--output', out], { cwd: root });
      const committedDir = join(root, 'src/proto');
      const generatedDir = join(out, 'src/proto');
      const committed = listFiles(committedDir)
        .map((f) => relative(committedDir, f))
        .sort();
      const generated = listFiles(generatedDir)
        .map((f) => relative(generatedDir, f))
        .sort();
      expect(generated).toEqual(committed);
      for (const file of committed) {
        expect(readFileSync(join(generatedDir, file), 'utf8'), file).toBe(readFileSync(join(committedDir, file), 'utf8'));
      }
    });
  });
});
