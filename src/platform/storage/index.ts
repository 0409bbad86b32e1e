export type { FileStorage, StoredFile } from './file-storage.js';
export { createDirectoryStorage } from './directory-storage.js';
