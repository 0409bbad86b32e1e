import type { FileStorage } from './file-storage.js';

export function createDirectoryStorage(root: string): FileStorage {
  void root;
  throw new Error('createDirectoryStorage: not implemented yet');
}
