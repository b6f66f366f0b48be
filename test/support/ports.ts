import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The lowest port the kernel hands out for outgoing connections and `listen(0)`. A port taken
 * from that range and released can be given to any connection of a parallel test before the
 * binary under test binds it (EADDRINUSE at start): ports below it are never handed out by the
 * kernel, so only another explicit bind can take them.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

const LOW = ephemeralLow();
/** Ports below the ephemeral range this picks from (random: parallel test files rarely pick the same one). */
const FROM = Math.max(1025, LOW - 12_000);

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

/**
 * Ports this process handed out already: a test asks for several before its binary binds any
 * of them, and a random pick could repeat one (two listeners on one port: EADDRINUSE at start).
 */
const handedOut = new Set<number>();

/** A currently free TCP port on 127.0.0.1 (bound, then released), outside the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const pick = FROM + Math.floor(Math.random() * (LOW - FROM));
    if (handedOut.has(pick)) continue;
    const port = await tryBind(pick);
    if (port !== undefined) {
      handedOut.add(port);
      return port;
    }
  }
  const port = await tryBind(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}
