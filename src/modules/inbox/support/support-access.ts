import type { Access } from '../../../access/actor.js';

/** The support desk is operators' and administrators' work; members have no part in it (403). */
export const supportDeskAccess: Access = ['operator', 'tenant_admin', 'platform_admin'];
