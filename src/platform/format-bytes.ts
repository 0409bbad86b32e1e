/**
 * Sizes in sentences: "50 MB", "9.7 KB", "900 bytes" (powers of 1024, as limits are set). Rounded down,
 * so a limit is never shown as more than the server accepts.
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : String(Math.floor(value * 10) / 10);
  return `${shown} ${units[unit]}`;
}
