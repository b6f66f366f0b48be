export * from './actions.js';
export * from './config.js';
export * from './convert.js';
export * from './hash.js';
