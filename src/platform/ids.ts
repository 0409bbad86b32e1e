import { v7 as uuidv7, validate, version } from 'uuid';

/** Server-created, time-ordered ids (UUID v7): they index well and sort by creation. */
export function newId(): string {
  return uuidv7();
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}

/** When a UUID v7 was made (its first 48 bits are the Unix time in ms); undefined for other ids. */
export function idCreatedAt(id: string): Date | undefined {
  if (!validate(id) || version(id) !== 7) return undefined;
  return new Date(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16));
}
