export * from './decrypt-stream.js';
export * from './encrypt-stream.js';
