export * from './start-coffer.js';
