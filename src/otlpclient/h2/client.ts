// The lean HTTP/2 client of one plaintext (h2c, prior knowledge) target: one
// connection at a time, opened on the first call and again after it failed, was told
// to go away or ran out of stream IDs (its open streams finish on it meanwhile).
import { connect } from 'node:net';
import { H2Connection, type H2Stream, type StreamHandler } from './connection.js';

export class H2Client {
  private conn: H2Connection | undefined;
  /** Connections still finishing streams after a newer one took over (closed on shutdown). */
  private readonly draining = new Set<H2Connection>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** The first stream ID of each connection (tests start near the last one). */
    private readonly firstStreamId = 1,
  ) {}

  /** Starts a stream on the current connection; its outcome reaches `handler`. */
  request(
    block: Buffer,
    body: Uint8Array,
    handler: StreamHandler,
    onWritten?: () => void,
  ): { conn: H2Connection; stream: H2Stream } {
    const conn = this.connection();
    return { conn, stream: conn.request(block, body, handler, onWritten) };
  }

  private connection(): H2Connection {
    const cur = this.conn;
    if (cur?.usable) return cur;
    if (cur) this.retire(cur);
    const socket = connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    // no open call keeps the process alive, as with node:http2's unref'd session
    socket.unref();
    const conn = new H2Connection(socket, this.firstStreamId);
    conn.onGone = () => {
      if (this.conn === conn) this.conn = undefined;
      this.draining.delete(conn);
    };
    this.conn = conn;
    return conn;
  }

  private retire(conn: H2Connection): void {
    this.conn = undefined;
    if (conn.isGone) return;
    this.draining.add(conn);
    // GOAWAY from us; the socket ends once its streams are done
    conn.close();
  }

  /** Closes every connection once its open streams are done. */
  close(): Promise<void> {
    const all = [...this.draining];
    if (this.conn) all.push(this.conn);
    this.conn = undefined;
    return Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.isGone) return resolve();
            const prev = c.onGone;
            c.onGone = () => {
              prev?.();
              resolve();
            };
            c.close();
          }),
      ),
    ).then(() => undefined);
  }
}
