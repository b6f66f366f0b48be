// The HTTP/2 attacker of bench/attack.ts, in its own process (so its own work
// does not slow the measurements): `connections` HTTP/2 connections, each
// opening up to `streams` gRPC calls that send `partial` bytes of a message
// announced as 4 MiB and then nothing, held for `seconds`.
// Usage (forked): attack-h2.js <port> <connections> <streams> <partial> <seconds>
import { connect } from 'node:http2';

const [port, connections, streams, partial, seconds] = process.argv.slice(2).map(Number);
const answers = new Map<string, number>();
const note = (a: string) => answers.set(a, (answers.get(a) ?? 0) + 1);
const chunk = Buffer.alloc(partial + 5);
chunk.writeUInt32BE(4 * 1024 * 1024 - 1, 1);
const sessions = Array.from({ length: connections }, () => connect(`http://127.0.0.1:${port}`));
const closed: Promise<void>[] = [];
for (const s of sessions) {
  s.on('error', () => {});
  for (let i = 0; i < streams; i++) {
    if (s.destroyed) {
      note('connection closed by the server');
      continue;
    }
    const st = s.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    st.on('error', () => {});
    st.write(chunk);
    closed.push(
      new Promise((resolve) => {
        let status = '';
        st.on('response', (h) => {
          if (h['grpc-status'] !== undefined) status = `grpc-status ${h['grpc-status']}`;
        });
        st.on('trailers', (h) => {
          status = `grpc-status ${h['grpc-status']}`;
        });
        st.on('close', () => {
          note(status || `stream reset (${st.rstCode})`);
          resolve();
        });
      }),
    );
  }
}
await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, seconds * 1000))]);
const open = closed.length - [...answers.values()].reduce((a, b) => a + b, 0);
if (open > 0) answers.set('still open at the end', open);
for (const s of sessions) s.destroy();
process.send?.({ type: 'done', answers: [...answers] });
