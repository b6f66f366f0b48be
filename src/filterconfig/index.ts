export * from './config.js';
export * from './match.js';
