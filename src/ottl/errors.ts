// Errors of the OTTL library. A statement that does not parse or compile is an
// OttlSyntaxError with the 1-based column it concerns (config validation shows
// it as "path: column N: ..."); evaluating a statement against data that does
// not fit (a string where an int is needed, a bad regex input...) throws an
// OttlError, which the statement sequence handles per `error_mode`.

export class OttlSyntaxError extends Error {
  constructor(
    /** 1-based column in the statement text. */
    readonly column: number,
    readonly reason: string,
  ) {
    super(`column ${column}: ${reason}`);
    this.name = 'OttlSyntaxError';
  }
}

/** A runtime evaluation error (the collector's function/path errors). */
export class OttlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OttlError';
  }
}

export function fail(message: string): never {
  throw new OttlError(message);
}
