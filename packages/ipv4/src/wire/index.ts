export * from './fields.js';
export * from './header.js';
