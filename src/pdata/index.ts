export * from './attributes.js';
export * from './clone.js';
export * from './count.js';
export * from './create.js';
export * from './ids.js';
export * from './signal.js';
export * from './types.js';
