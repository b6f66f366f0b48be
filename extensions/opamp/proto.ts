// Encoding and decoding the OpAMP messages (opamp.proto, embedded below: the
// bundled binary has no files beside it) with protobufjs. What the server
// sends is untrusted: decodeServerToAgent bounds it and turns anything
// malformed into an OpampDecodeError, never another exception.
import protobuf from 'protobufjs';

/** The text of opamp.proto (opamp.test.ts checks it matches the file). */
export const OPAMP_PROTO = `// The OpAMP messages the opamp extension speaks, written from the OpAMP
// specification's opamp.proto and anyvalue.proto (open-telemetry/opamp-spec,
// proto/; package opamp.proto). Trimmed to what the agent sends and reads:
// fields of ServerToAgent not listed here are skipped as unknown fields.
// proto.ts embeds this text (the bundle has no files next to it); a test
// checks the two stay equal.
syntax = "proto3";

package opamp.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}

message ArrayValue {
  repeated AnyValue values = 1;
}

message KeyValueList {
  repeated KeyValue values = 1;
}

message KeyValue {
  string key = 1;
  AnyValue value = 2;
}

message AgentToServer {
  bytes instance_uid = 1;
  uint64 sequence_num = 2;
  AgentDescription agent_description = 3;
  uint64 capabilities = 4;
  ComponentHealth health = 5;
  EffectiveConfig effective_config = 6;
  RemoteConfigStatus remote_config_status = 7;
  AgentDisconnect agent_disconnect = 9;
  uint64 flags = 10;
  AvailableComponents available_components = 14;
}

message AgentDisconnect {
}

message ServerToAgent {
  bytes instance_uid = 1;
  ServerErrorResponse error_response = 2;
  AgentRemoteConfig remote_config = 3;
  ConnectionSettingsOffers connection_settings = 4;
  uint64 flags = 6;
  uint64 capabilities = 7;
  AgentIdentification agent_identification = 8;
  ServerToAgentCommand command = 9;
}

message OpAMPConnectionSettings {
  string destination_endpoint = 1;
  Headers headers = 2;
  uint64 heartbeat_interval_seconds = 4;
}

message Headers {
  repeated Header headers = 1;
}

message Header {
  string key = 1;
  string value = 2;
}

message ConnectionSettingsOffers {
  bytes hash = 1;
  OpAMPConnectionSettings opamp = 2;
}

message ServerErrorResponse {
  ServerErrorResponseType type = 1;
  string error_message = 2;
  oneof Details {
    RetryInfo retry_info = 3;
  }
}

enum ServerErrorResponseType {
  ServerErrorResponseType_Unknown = 0;
  ServerErrorResponseType_BadRequest = 1;
  ServerErrorResponseType_Unavailable = 2;
}

message RetryInfo {
  uint64 retry_after_nanoseconds = 1;
}

message ServerToAgentCommand {
  CommandType type = 1;
}

enum CommandType {
  CommandType_Restart = 0;
}

message AgentDescription {
  repeated KeyValue identifying_attributes = 1;
  repeated KeyValue non_identifying_attributes = 2;
}

message ComponentHealth {
  bool healthy = 1;
  fixed64 start_time_unix_nano = 2;
  string last_error = 3;
  string status = 4;
  fixed64 status_time_unix_nano = 5;
  map<string, ComponentHealth> component_health_map = 6;
}

message EffectiveConfig {
  AgentConfigMap config_map = 1;
}

message RemoteConfigStatus {
  bytes last_remote_config_hash = 1;
  RemoteConfigStatuses status = 2;
  string error_message = 3;
}

enum RemoteConfigStatuses {
  RemoteConfigStatuses_UNSET = 0;
  RemoteConfigStatuses_APPLIED = 1;
  RemoteConfigStatuses_APPLYING = 2;
  RemoteConfigStatuses_FAILED = 3;
}

message AgentIdentification {
  bytes new_instance_uid = 1;
}

message AgentRemoteConfig {
  AgentConfigMap config = 1;
  bytes config_hash = 2;
}

message AgentConfigMap {
  map<string, AgentConfigFile> config_map = 1;
}

message AgentConfigFile {
  bytes body = 1;
  string content_type = 2;
}

message AvailableComponents {
  map<string, ComponentDetails> components = 1;
  bytes hash = 2;
}

message ComponentDetails {
  repeated KeyValue metadata = 1;
  map<string, ComponentDetails> sub_component_map = 2;
}
`;

const root = protobuf.parse(OPAMP_PROTO, { keepCase: true }).root;
const AgentToServerType = root.lookupType('opamp.proto.AgentToServer');
const ServerToAgentType = root.lookupType('opamp.proto.ServerToAgent');

/** AgentCapabilities bits (opamp.proto). */
export const AgentCapabilities = {
  ReportsStatus: 0x1,
  AcceptsRemoteConfig: 0x2,
  ReportsEffectiveConfig: 0x4,
  AcceptsRestartCommand: 0x400,
  ReportsHealth: 0x800,
  ReportsRemoteConfig: 0x1000,
  ReportsHeartbeat: 0x2000,
  ReportsAvailableComponents: 0x4000,
} as const;

export const ServerToAgentFlags = { ReportFullState: 0x1, ReportAvailableComponents: 0x2 } as const;
export const AgentToServerFlags = { RequestInstanceUid: 0x1 } as const;
export const RemoteConfigStatuses = { UNSET: 0, APPLIED: 1, APPLYING: 2, FAILED: 3 } as const;
export const ServerErrorResponseType = { Unknown: 0, BadRequest: 1, Unavailable: 2 } as const;

export interface KeyValue {
  key: string;
  value: { string_value: string };
}

export interface ComponentHealth {
  healthy: boolean;
  /** Nanoseconds since the epoch (a number: sub-microsecond precision is not needed here). */
  start_time_unix_nano: number;
  last_error?: string;
  status: string;
  status_time_unix_nano: number;
  component_health_map?: Record<string, ComponentHealth>;
}

export interface AgentConfigFile {
  body: Uint8Array;
  content_type?: string;
}

export interface ComponentDetails {
  metadata?: KeyValue[];
  sub_component_map?: Record<string, ComponentDetails>;
}

export interface AgentToServer {
  instance_uid: Uint8Array;
  sequence_num: number;
  capabilities: number;
  agent_description?: { identifying_attributes: KeyValue[]; non_identifying_attributes: KeyValue[] };
  health?: ComponentHealth;
  effective_config?: { config_map: { config_map: Record<string, AgentConfigFile> } };
  remote_config_status?: { last_remote_config_hash: Uint8Array; status: number; error_message?: string };
  agent_disconnect?: Record<string, never>;
  flags?: number;
  available_components?: { components: Record<string, ComponentDetails>; hash: Uint8Array };
}

export function encodeAgentToServer(m: AgentToServer): Uint8Array {
  return AgentToServerType.encode(
    AgentToServerType.fromObject(m as unknown as Record<string, unknown>),
  ).finish();
}

/** What the agent reads from a ServerToAgent (fields it does not act on are left out). */
export interface ServerToAgent {
  instance_uid: Uint8Array;
  error_response?: { type: number; error_message: string; retry_after_ms?: number };
  remote_config?: {
    files: { name: string; body: Uint8Array; content_type: string }[];
    config_hash: Uint8Array;
  };
  /** ConnectionSettingsOffers.opamp.heartbeat_interval_seconds, when offered. */
  heartbeat_interval_seconds?: number;
  flags: number;
  capabilities: number;
  new_instance_uid?: Uint8Array;
  /** ServerToAgentCommand.type, when a command was sent (0 = Restart). */
  command?: number;
}

export class OpampDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpampDecodeError';
  }
}

/** Largest ServerToAgent accepted (a remote config is a few KiB; the local config limit is 4 MiB). */
export const MAX_SERVER_MESSAGE_BYTES = 8 * 1024 * 1024;

type Obj = Record<string, any>;

const num = (v: unknown): number => {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  return Number(String(v));
};

const bytes = (v: unknown): Uint8Array =>
  v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(0);

export function decodeServerToAgent(buf: Uint8Array): ServerToAgent {
  if (buf.length > MAX_SERVER_MESSAGE_BYTES)
    throw new OpampDecodeError(
      `ServerToAgent of ${buf.length} bytes is over the ${MAX_SERVER_MESSAGE_BYTES} limit`,
    );
  let o: Obj;
  try {
    o = ServerToAgentType.toObject(ServerToAgentType.decode(buf), { longs: String, enums: Number }) as Obj;
  } catch (e) {
    throw new OpampDecodeError(`malformed ServerToAgent: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const out: ServerToAgent = {
    instance_uid: bytes(o.instance_uid),
    flags: num(o.flags),
    capabilities: num(o.capabilities),
  };
  if (o.error_response) {
    const er = o.error_response as Obj;
    out.error_response = { type: num(er.type), error_message: String(er.error_message ?? '') };
    if (er.retry_info) out.error_response.retry_after_ms = num(er.retry_info.retry_after_nanoseconds) / 1e6;
  }
  if (o.remote_config) {
    const rc = o.remote_config as Obj;
    const map = (rc.config?.config_map ?? {}) as Record<string, Obj>;
    out.remote_config = {
      config_hash: bytes(rc.config_hash),
      files: Object.keys(map)
        .sort()
        .map((name) => ({
          name,
          body: bytes(map[name]?.body),
          content_type: String(map[name]?.content_type ?? ''),
        })),
    };
  }
  const hb = o.connection_settings?.opamp?.heartbeat_interval_seconds;
  if (hb !== undefined) out.heartbeat_interval_seconds = num(hb);
  if (o.agent_identification) out.new_instance_uid = bytes(o.agent_identification.new_instance_uid);
  if (o.command) out.command = num(o.command.type);
  return out;
}

/** A WebSocket message: the OpAMP header (a varint, 0 today) then the protobuf. */
export function wsFrame(m: AgentToServer): Buffer {
  const body = encodeAgentToServer(m);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = 0;
  out.set(body, 1);
  return out;
}

/** The protobuf of a WebSocket message after its varint header (spec: "WebSocket Message Format"). */
export function unwrapWsFrame(buf: Uint8Array): Uint8Array {
  let i = 0;
  for (;;) {
    if (i >= buf.length) throw new OpampDecodeError('WebSocket message ends inside its header');
    if (i >= 10) throw new OpampDecodeError('WebSocket message header is not a varint');
    if ((buf[i++] & 0x80) === 0) break;
  }
  return buf.subarray(i);
}
