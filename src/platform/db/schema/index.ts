export * from './tenants.js';
export * from './users.js';
export * from './agents.js';
export * from './conversations.js';
export * from './knowledge.js';
export * from './mcp.js';
export * from './jobs.js';
export * from './server.js';
