// google.rpc.Status / RetryInfo decoding for tests, with protobufjs (an
// independent decoder, not the codec under test).
import protobuf from 'protobufjs';

/** google.protobuf.Any/Duration and google.rpc.Status/RetryInfo as a protobufjs JSON descriptor. */
export const GOOGLE_RPC_DESCRIPTOR = {
  google: {
    nested: {
      protobuf: {
        nested: {
          Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
          Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
        },
      },
      rpc: {
        nested: {
          Status: {
            fields: {
              code: { type: 'int32', id: 1 },
              message: { type: 'string', id: 2 },
              details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
            },
          },
          RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON({ nested: GOOGLE_RPC_DESCRIPTOR });

const StatusType = root.lookupType('google.rpc.Status');
const RetryInfoType = root.lookupType('google.rpc.RetryInfo');

export interface DecodedStatus {
  code: number;
  message: string;
  /** RetryInfo's delay in ms, when a RetryInfo detail is present. */
  retryDelayMs?: number;
  detailTypes: string[];
}

export function decodeRpcStatus(bytes: Uint8Array): DecodedStatus {
  const s = StatusType.toObject(StatusType.decode(bytes), { longs: Number, defaults: true }) as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  const out: DecodedStatus = {
    code: s.code,
    message: s.message,
    detailTypes: s.details.map((d) => d.type_url),
  };
  for (const d of s.details) {
    if (d.type_url !== 'type.googleapis.com/google.rpc.RetryInfo') continue;
    const ri = RetryInfoType.toObject(RetryInfoType.decode(d.value), { longs: Number, defaults: true }) as {
      retry_delay?: { seconds: number; nanos: number };
    };
    if (ri.retry_delay) out.retryDelayMs = ri.retry_delay.seconds * 1000 + ri.retry_delay.nanos / 1e6;
  }
  return out;
}
