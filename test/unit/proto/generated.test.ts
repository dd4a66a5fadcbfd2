// The generated code is committed; these tests pin it to the wire and to proto/: the published Push byte
// vector, every field number and type of the messages we keep (checked against Grafana Pyroscope's API
// definitions, see proto/README.md), unknown fields being skipped, and regeneration reproducing src/proto.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { create, fromBinary, toBinary, toJson, fromJson, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type } from '@bufbuild/protobuf/wkt';
import { afterAll, describe, expect, it } from 'vitest';
import { PushRequestSchema, PusherService, file_push_v1_push } from '../../../src/proto/push/v1/push_pb.js';
import { QuerierService, SelectMergeStacktracesRequestSchema, SelectSeriesRequestSchema, file_querier_v1_querier } from '../../../src/proto/querier/v1/querier_pb.js';
import { LabelPairSchema, TimeSeriesAggregationType, file_types_v1_types } from '../../../src/proto/types/v1/types_pb.js';

const root = join(import.meta.dirname, '../../..');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** `number [repeated|optional] type name` for each field, e.g. `2 repeated .push.v1.RawSample samples`. */
function fieldsOf(m: DescMessage): string[] {
  return m.proto.field.map((f) => {
    const label = f.label === FieldDescriptorProto_Label.REPEATED ? 'repeated ' : f.proto3Optional ? 'optional ' : '';
    const type = f.typeName !== '' ? f.typeName : FieldDescriptorProto_Type[f.type].toLowerCase();
    return `${f.number} ${label}${type} ${f.name}`;
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The wire contract of every message we keep, as read from Grafana Pyroscope's api/push/v1/push.proto,
// api/types/v1/types.proto and api/querier/v1/querier.proto (commits in proto/README.md). A renumbered,
// retyped or renamed field (JSON uses the names) breaks interoperability and fails here.
const CONTRACT: Record<string, string[]> = {
  'push.v1.PushRequest': ['1 repeated .push.v1.RawProfileSeries series'],
  'push.v1.PushResponse': [],
  'push.v1.RawProfileSeries': ['1 repeated .types.v1.LabelPair labels', '2 repeated .push.v1.RawSample samples'],
  'push.v1.RawSample': ['1 bytes raw_profile', '2 string ID'],
  'types.v1.LabelPair': ['1 string name', '2 string value'],
  'types.v1.Labels': ['1 repeated .types.v1.LabelPair labels'],
  'types.v1.ProfileType': ['1 string ID', '2 string name', '4 string sample_type', '5 string sample_unit', '6 string period_type', '7 string period_unit'],
  'types.v1.Series': ['1 repeated .types.v1.LabelPair labels', '2 repeated .types.v1.Point points'],
  'types.v1.Point': ['1 double value', '2 int64 timestamp'],
  'types.v1.LabelNamesRequest': ['1 repeated string matchers', '2 int64 start', '3 int64 end'],
  'types.v1.LabelNamesResponse': ['1 repeated string names'],
  'types.v1.LabelValuesRequest': ['1 string name', '2 repeated string matchers', '3 int64 start', '4 int64 end'],
  'types.v1.LabelValuesResponse': ['1 repeated string names'],
  'querier.v1.ProfileTypesRequest': ['1 int64 start', '2 int64 end'],
  'querier.v1.ProfileTypesResponse': ['1 repeated .types.v1.ProfileType profile_types'],
  'querier.v1.SeriesRequest': ['1 repeated string matchers', '2 repeated string label_names', '3 int64 start', '4 int64 end'],
  'querier.v1.SeriesResponse': ['2 repeated .types.v1.Labels labels_set'],
  'querier.v1.SelectMergeStacktracesRequest': ['1 string profile_typeID', '2 string label_selector', '3 int64 start', '4 int64 end', '5 optional int64 max_nodes'],
  'querier.v1.SelectMergeStacktracesResponse': ['1 .querier.v1.FlameGraph flamegraph'],
  'querier.v1.SelectMergeSpanProfileRequest': ['1 string profile_typeID', '4 int64 start', '5 int64 end'],
  'querier.v1.SelectMergeSpanProfileResponse': [],
  'querier.v1.SelectMergeProfileRequest': ['1 string profile_typeID', '2 string label_selector', '3 int64 start', '4 int64 end'],
  'querier.v1.SelectSeriesRequest': [
    '1 string profile_typeID',
    '2 string label_selector',
    '3 int64 start',
    '4 int64 end',
    '5 repeated string group_by',
    '6 double step',
    '7 optional .types.v1.TimeSeriesAggregationType aggregation',
  ],
  'querier.v1.SelectSeriesResponse': ['1 repeated .types.v1.Series series'],
  'querier.v1.DiffRequest': ['1 .querier.v1.SelectMergeStacktracesRequest left', '2 .querier.v1.SelectMergeStacktracesRequest right'],
  'querier.v1.DiffResponse': ['1 .querier.v1.FlameGraphDiff flamegraph'],
  'querier.v1.FlameGraph': ['1 repeated string names', '2 repeated .querier.v1.Level levels', '3 int64 total', '4 int64 max_self'],
  'querier.v1.FlameGraphDiff': ['1 repeated string names', '2 repeated .querier.v1.Level levels', '3 int64 total', '4 int64 max_self', '5 int64 leftTicks', '6 int64 rightTicks'],
  'querier.v1.Level': ['1 repeated int64 values'],
};

const methodsOf = (s: DescService) => s.methods.map((m) => `${m.name}(${m.input.typeName}) ${m.output.typeName}`);

describe('generated protobuf code', () => {
  const request = create(PushRequestSchema, {
    series: [
      {
        labels: [create(LabelPairSchema, { name: 'a', value: 'b' })],
        samples: [{ rawProfile: Uint8Array.of(1, 2) }],
      },
    ],
  });

  it('encodes a PushRequest to the published byte vector, and decodes it back', () => {
    const vector = '0a0e0a060a0161120162120' + '40a020102';
    expect(hex(toBinary(PushRequestSchema, request))).toBe(vector);
    const back = fromBinary(PushRequestSchema, Buffer.from(vector, 'hex'));
    expect(back.series[0].labels.map((l) => [l.name, l.value])).toEqual([['a', 'b']]);
    expect([...back.series[0].samples[0].rawProfile]).toEqual([1, 2]);
  });

  it('round-trips through protobuf JSON with bytes as base64', () => {
    const json = toJson(PushRequestSchema, request) as { series: { samples: { rawProfile: string }[] }[] };
    expect(json.series[0].samples[0].rawProfile).toBe('AQI=');
    const back = fromJson(PushRequestSchema, json);
    expect(toBinary(PushRequestSchema, back)).toEqual(toBinary(PushRequestSchema, request));
    expect(fromBinary(PushRequestSchema, toBinary(PushRequestSchema, request)).series[0].labels[0].value).toBe('b');
  });

  it('keeps exactly the contracted messages, each with the upstream field numbers, types and names', () => {
    const files = [file_push_v1_push, file_types_v1_types, file_querier_v1_querier];
    const messages = files.flatMap((f) => f.messages);
    expect(messages.map((m) => m.typeName).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const m of messages) expect(fieldsOf(m), m.typeName).toEqual(CONTRACT[m.typeName]);
    expect(files.flatMap((f) => f.enums).map((e) => `${e.typeName}: ${e.values.map((v) => `${v.name}=${v.number}`).join(' ')}`)).toEqual([
      'types.v1.TimeSeriesAggregationType: TIME_SERIES_AGGREGATION_TYPE_SUM=0 TIME_SERIES_AGGREGATION_TYPE_AVERAGE=1',
    ]);
  });

  it('declares the upstream service and method names with their request and response types', () => {
    expect(PusherService.typeName).toBe('push.v1.PusherService');
    expect(methodsOf(PusherService)).toEqual(['Push(push.v1.PushRequest) push.v1.PushResponse']);
    expect(QuerierService.typeName).toBe('querier.v1.QuerierService');
    expect(methodsOf(QuerierService)).toEqual([
      'ProfileTypes(querier.v1.ProfileTypesRequest) querier.v1.ProfileTypesResponse',
      'LabelValues(types.v1.LabelValuesRequest) types.v1.LabelValuesResponse',
      'LabelNames(types.v1.LabelNamesRequest) types.v1.LabelNamesResponse',
      'Series(querier.v1.SeriesRequest) querier.v1.SeriesResponse',
      'SelectMergeStacktraces(querier.v1.SelectMergeStacktracesRequest) querier.v1.SelectMergeStacktracesResponse',
      'SelectMergeSpanProfile(querier.v1.SelectMergeSpanProfileRequest) querier.v1.SelectMergeSpanProfileResponse',
      'SelectMergeProfile(querier.v1.SelectMergeProfileRequest) google.v1.Profile',
      'SelectSeries(querier.v1.SelectSeriesRequest) querier.v1.SelectSeriesResponse',
      'Diff(querier.v1.DiffRequest) querier.v1.DiffResponse',
    ]);
  });

  it('encodes a SelectSeriesRequest field by field as upstream numbers them (hand-computed bytes)', () => {
    const req = create(SelectSeriesRequestSchema, {
      profileTypeID: 'a',
      labelSelector: 'b',
      start: 1n,
      end: 2n,
      groupBy: ['c'],
      step: 1.5,
      aggregation: TimeSeriesAggregationType.AVERAGE,
    });
    // 1:"a" 2:"b" 3:1 4:2 5:"c" 6:1.5 (fixed64, little endian) 7:1
    expect(hex(toBinary(SelectSeriesRequestSchema, req))).toBe('0a0161' + '120162' + '1801' + '2002' + '2a0163' + '31000000000000f83f' + '3801');
    // Connect JSON uses the upstream JSON names.
    expect(Object.keys(toJson(SelectSeriesRequestSchema, req) as object)).toEqual(['profileTypeID', 'labelSelector', 'start', 'end', 'groupBy', 'step', 'aggregation']);
  });

  it('skips the upstream fields it does not model (format 6, stack_trace_selector 7, profile_id_selector 8)', () => {
    // 1:"t" 2:"s" 5:10, then 6:2 (varint), 7:{} (message), 8:"x" (string): what a newer Grafana may send.
    const bytes = Buffer.from('0a0174' + '120173' + '280a' + '3002' + '3a00' + '420178', 'hex');
    const req = fromBinary(SelectMergeStacktracesRequestSchema, bytes);
    expect({ profileTypeID: req.profileTypeID, labelSelector: req.labelSelector, maxNodes: req.maxNodes }).toEqual({ profileTypeID: 't', labelSelector: 's', maxNodes: 10n });
    const json = fromJson(
      SelectMergeStacktracesRequestSchema,
      { profileTypeID: 't', format: 'PROFILE_FORMAT_TREE', stackTraceSelector: { callSite: [] }, profileIdSelector: ['x'] },
      { ignoreUnknownFields: true },
    );
    expect(json.profileTypeID).toBe('t');
  });

  it('holds no third-party .proto except Apache-2.0 ones (ours are restatements, see proto/README.md)', () => {
    for (const file of listFiles(join(root, 'proto')).filter((f) => f.endsWith('.proto'))) {
      const text = readFileSync(file, 'utf8');
      const ours = text.startsWith("// pyrelay's own statement");
      const apache = /Licensed under the Apache License, Version 2\.0/.test(text.slice(0, 1000));
      expect(ours || apache, relative(root, file)).toBe(true);
    }
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
