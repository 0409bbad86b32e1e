export { createStorageQuota, isStorageQuotaRefusal, type StorageQuota, type StorageUsage } from './storage-quota.js';
