export * from './auth.js';
export * from './batching.js';
export * from './component.js';
export * from './consumer.js';
export * from './errors.js';
export * from './storage.js';
