// Process-wide admission for decoding untrusted requests. Every receiver asks
// for a ticket before it decodes a request (admitDecode) and lets go of it once
// the request was answered; the ticket carries the request's DecodeBudget
// (src/codec/decode-budget.ts), sized from:
//
// - the per-request cap: a quarter of the V8 heap limit and of the lowest
//   memory_limiter hard limit, at most 256 MiB. A request over it can never be
//   decoded here: a permanent refusal (413 / RESOURCE_EXHAUSTED, no RetryInfo);
// - the memory free right now: the heap limit's usable part minus the heap in
//   use, what the memory limiters have left below their hard limit, and the in-flight
//   cap (half of the lower of the two limits) minus the bytes held by requests
//   decoded or being read and not yet answered. A request over it may fit later:
//   retryable, 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo.
//
// Before a large decode (64 KiB of wire bytes or more) the memory limiters are
// consulted: while one refuses, so does the admission, without decoding.
// Decoding is synchronous, so "concurrent decodes" are the requests decoded and
// waiting for the pipeline's answer plus the bodies being read and inflated:
// both are held in the in-flight count (reserveInFlight / DecodeTicket).
import {
  DEFAULT_DECODE_LIMITS,
  DecodeBudget,
  DecodeLimitError,
  type DecodeLimits,
} from '../codec/decode-budget.js';
import { gcIfDue } from '../memory/gc.js';
import { memoryPressure } from '../memory/pressure.js';
import { memoryUse } from '../memory/usage.js';

/** Wire size from which the memory limiters are consulted before decoding. */
export const LARGE_DECODE_BYTES = 64 * 1024;
/** The share of the V8 heap limit decoding may fill (V8 needs the rest to collect garbage). */
const HEAP_USABLE = 0.9;
/** The default delay suggested to refused senders. */
const RETRY_AFTER_MS = 1000;

let inFlight = 0;

/** Bytes held by requests decoded or being read and not yet answered. */
export function inFlightBytes(): number {
  return inFlight;
}

/** The in-flight cap and per-request limits for a process limit (the lower of heap and limiter limits). */
function limitsFor(processLimit: number): { inFlightCap: number; request: DecodeLimits } {
  return {
    inFlightCap: processLimit / 2,
    request: {
      ...DEFAULT_DECODE_LIMITS,
      maxBytes: Math.min(DEFAULT_DECODE_LIMITS.maxBytes, processLimit / 4),
    },
  };
}

/** The in-flight cap and per-request limits from the current heap limit and memory limiters. */
export function admissionLimits(): { inFlightCap: number; request: DecodeLimits } {
  return limitsFor(Math.min(memoryUse().heapLimit, memoryPressure().hardLimitBytes));
}

/** A refused decode that had built this much collects its garbage at once (see release()). */
const GC_AFTER_REFUSED_BYTES = 32 * 1024 * 1024;

/** What a receiver holds while a request is decoded and answered. */
export class DecodeTicket {
  private held = 0;
  private ok = false;
  constructor(readonly budget: DecodeBudget) {}

  /** After decoding: the decoded request counts as in flight (until release()). */
  decoded(): void {
    inFlight -= this.held;
    this.held = this.budget.bytes;
    inFlight += this.held;
    this.ok = true;
  }

  /**
   * Once the request was answered (or refused): idempotent. A decode stopped by its budget
   * leaves up to the per-request cap of garbage; with nothing allocating afterwards (the
   * sender was refused) V8 would keep it for a while, and the next such request would add
   * its own: it is collected now (at most every 100 ms; each such decode cost far more).
   */
  release(): void {
    inFlight -= this.held;
    this.held = 0;
    if (!this.ok && this.budget.bytes > GC_AFTER_REFUSED_BYTES) {
      this.ok = true;
      gcIfDue(performance.now(), 100);
    }
  }
}

/**
 * A ticket for decoding a request of `wireBytes` (its decompressed body). Throws a retryable
 * DecodeLimitError when a memory limiter refuses and the request is large, or when no memory
 * is free at all; otherwise the ticket's budget stops the decode where the memory ends.
 */
export function admitDecode(wireBytes: number): DecodeTicket {
  const pressure = memoryPressure();
  const retryAfterMs = Math.max(RETRY_AFTER_MS, pressure.retryAfterMs);
  if (pressure.refusing && wireBytes >= LARGE_DECODE_BYTES)
    throw new DecodeLimitError('data refused due to high memory usage', retryAfterMs);
  const use = memoryUse();
  const limits = limitsFor(Math.min(use.heapLimit, pressure.hardLimitBytes));
  const free = Math.min(
    use.heapLimit * HEAP_USABLE - use.heapUsed,
    pressure.freeBytes,
    limits.inFlightCap - inFlight,
  );
  // The heap's figure counts garbage until a GC runs, and nothing allocates (so V8 collects
  // nothing by itself) while requests are refused: collect, so the next try sees the truth.
  if (free < wireBytes) gcIfDue();
  return new DecodeTicket(new DecodeBudget(limits.request, Math.max(0, free), retryAfterMs));
}

/** Bytes of a body being read or inflated, held in the in-flight count until released. */
export interface InFlightReservation {
  /** Adds `n` bytes (negative: gives some back); false (nothing added) when that would pass the in-flight cap. */
  grow(n: number): boolean;
  /** Gives everything back: idempotent. */
  release(): void;
}

/** A reservation that starts empty (see InFlightReservation). */
export function reserveInFlight(): InFlightReservation {
  let held = 0;
  let cap = -1;
  return {
    grow(n: number): boolean {
      if (cap < 0) cap = admissionLimits().inFlightCap;
      if (n > 0 && inFlight + n > cap) {
        gcIfDue();
        return false;
      }
      held += n;
      inFlight += n;
      return true;
    },
    release(): void {
      inFlight -= held;
      held = 0;
    },
  };
}

/** For tests: the in-flight count back to zero. */
export function resetInFlightForTests(): void {
  inFlight = 0;
}
