// Prints the widget's sizes as browsers download them (gzip): `npm run bench:widget`.
// Budgets (issue 35): the loader at most 5 KB, the panel (script, style and page) at most 60 KB.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = new URL('../../web/widget/', import.meta.url);
const gzipped = (names: string[]) =>
  names.reduce((total, name) => total + gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length, 0);

const loader = gzipped(['loader.js']);
const panel = gzipped(['panel.js', 'panel.css']);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`widget loader: ${kb(loader)} gzip (budget 5 KB)`);
console.log(`widget panel:  ${kb(panel)} gzip (budget 60 KB, script and style)`);
if (loader > 5 * 1024 || panel > 60 * 1024) {
  console.error('over budget');
  process.exit(1);
}
