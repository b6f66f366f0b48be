// The upstream jaeger api_v2 protos loaded with protobufjs (an independent
// decoder/encoder for tests). gogoproto and google.api imports only carry
// options, so they resolve to empty stub files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { CONFORMANCE_DIR } from './conformance-dir.js';

const API_V2 = `${CONFORMANCE_DIR}proto/jaeger/proto/api_v2`;

let root: protobuf.Root | undefined;

export function jaegerProtoRoot(): protobuf.Root {
  if (root) return root;
  const stubs = path.join(tmpdir(), `jaeger-proto-stubs-${process.pid}`);
  mkdirSync(path.join(stubs, 'gogoproto'), { recursive: true });
  mkdirSync(path.join(stubs, 'google/api'), { recursive: true });
  writeFileSync(path.join(stubs, 'gogoproto/gogo.proto'), 'syntax = "proto2";\npackage gogoproto;\n');
  writeFileSync(
    path.join(stubs, 'google/api/annotations.proto'),
    'syntax = "proto3";\npackage google.api;\n',
  );
  const r = new protobuf.Root();
  r.resolvePath = (origin, target) => {
    if (target.startsWith('gogoproto/') || target.startsWith('google/api/')) return path.join(stubs, target);
    if (target.startsWith('google/protobuf/')) return target; // protobufjs bundles these
    if (path.isAbsolute(target)) return target;
    return path.join(origin ? path.dirname(origin) : API_V2, target);
  };
  r.loadSync(path.join(API_V2, 'collector.proto'), { keepCase: false });
  r.resolveAll();
  root = r;
  return r;
}

export const PostSpansRequest = () => jaegerProtoRoot().lookupType('jaeger.api_v2.PostSpansRequest');
