export * from './start-coffer.js';
export * from './test-database.js';
