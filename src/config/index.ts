export * from './component-id.js';
export * from './expand.js';
export * from './issues.js';
export * from './load.js';
export * from './sources.js';
export * from './telemetry.js';
export * from './validate.js';
export * from './zod-issues.js';
