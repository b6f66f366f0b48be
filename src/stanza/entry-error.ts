// The error an operator throws for one entry it cannot process (on_error
// decides what happens to the entry). It carries no stack trace: capturing
// one costs ~15 µs, and a stream of bad lines (plain text into json_parser, a
// path without pod metadata) would otherwise cost 8× the good ones.

export class EntryError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}
