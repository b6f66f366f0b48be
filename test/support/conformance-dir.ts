// Where the upstream reference data lives: ../shared/conformance beside the
// repository (DESIGN.md), wherever the clone is (CI clones elsewhere).
import { fileURLToPath } from 'node:url';

/** Absolute path of ../shared/conformance, with a trailing slash. */
export const CONFORMANCE_DIR = fileURLToPath(new URL('../../../shared/conformance/', import.meta.url));
