// The ServerToAgent decoder reads what a (possibly hostile or broken) OpAMP
// server sends: seeded, bounded fuzzing of the WebSocket frame and protobuf
// decoding; every input decodes or is refused with an OpampDecodeError.
import protobuf from 'protobufjs';
import { expect, it } from 'vitest';
import { fuzz } from '../../test/support/fuzz.js';
import { decodeServerToAgent, OPAMP_PROTO, OpampDecodeError, unwrapWsFrame } from './proto.js';

const S2A = protobuf.parse(OPAMP_PROTO, { keepCase: true }).root.lookupType('opamp.proto.ServerToAgent');

function seed(fields: Record<string, unknown>): Uint8Array {
  const body = S2A.encode(S2A.fromObject({ instance_uid: Buffer.alloc(16, 1), ...fields })).finish();
  return new Uint8Array([0, ...body]);
}

it('decodes any ServerToAgent frame or refuses it with an OpampDecodeError', () => {
  const seeds = [
    seed({ capabilities: 7, flags: 1 }),
    seed({
      remote_config: {
        config: { config_map: { '': { body: Buffer.from('receivers: {}\n'), content_type: 'text/yaml' } } },
        config_hash: Buffer.alloc(32, 9),
      },
    }),
    seed({
      error_response: { type: 2, error_message: 'busy', retry_info: { retry_after_nanoseconds: 5e9 } },
    }),
    seed({ agent_identification: { new_instance_uid: Buffer.alloc(16, 2) }, command: { type: 0 } }),
    seed({
      connection_settings: {
        hash: Buffer.alloc(4),
        opamp: { destination_endpoint: 'ws://x', heartbeat_interval_seconds: 10 },
      },
    }),
  ];
  const report = fuzz(
    'opamp ServerToAgent',
    seeds,
    (b) => {
      const m = decodeServerToAgent(unwrapWsFrame(b));
      expect(m.instance_uid).toBeInstanceOf(Uint8Array);
      for (const f of m.remote_config?.files ?? []) expect(f.body).toBeInstanceOf(Uint8Array);
    },
    (e) => e instanceof OpampDecodeError,
  );
  expect(report.refused).toBeGreaterThan(0);
  expect(report.accepted).toBeGreaterThan(0);
});
