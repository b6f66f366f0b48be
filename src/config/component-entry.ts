// One configured component as validation resolves it: the ID as written, its
// factory and its config after the factory's schema. A leaf of its own so that
// validate.ts and the checks it calls (auth-uses.ts) both name it without a circle.
import type { AnyFactory } from '../component/component.js';

export interface ComponentEntry<F extends AnyFactory = AnyFactory> {
  /** The ID as written (`otlphttp/backend` keeps its deprecated spelling). */
  id: string;
  factory: F;
  /** The config after the factory's schema (defaults filled). */
  config: unknown;
  /** The user's map as written (after `${env:...}`); hot reload compares it to tell a changed component. */
  raw?: unknown;
}
