// The widget's sizes as browsers download them (gzip), and its budgets (issue 35): the loader at most
// 5 KB, the panel (script and style) at most 60 KB. `npm run bench:widget` prints them; a test holds them.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const widgetBudgets = { loader: 5 * 1024, panel: 60 * 1024 } as const;

const dir = new URL('../../web/widget/', import.meta.url);
const gzipped = (names: string[]) =>
  names.reduce((total, name) => total + gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length, 0);

export function widgetSizes(): { loader: number; panel: number } {
  return { loader: gzipped(['loader.js']), panel: gzipped(['panel.js', 'panel.css']) };
}
