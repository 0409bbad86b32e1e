import { v7 as uuidv7, validate, version } from 'uuid';

/** Server-created, time-ordered ids (UUID v7): they index well and sort by creation. */
export function newId(): string {
  return uuidv7();
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
