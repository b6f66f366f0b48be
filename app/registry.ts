// The components built into tsunagi: adding one is a folder plus one line here.

import { factory as healthCheck } from '../extensions/health_check/factory.js';
import type { Registry } from '../src/component/component.js';

export const registry: Registry = {
  receivers: [],
  processors: [],
  exporters: [],
  extensions: [healthCheck],
};
