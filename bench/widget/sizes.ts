// Prints the widget's sizes as browsers download them (gzip): `npm run bench:widget`.
import { widgetBudgets, widgetSizes } from './widget-sizes.js';

const { loader, panel } = widgetSizes();
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`widget loader: ${kb(loader)} gzip (budget ${kb(widgetBudgets.loader)})`);
console.log(`widget panel:  ${kb(panel)} gzip (budget ${kb(widgetBudgets.panel)}, script and style)`);
if (loader > widgetBudgets.loader || panel > widgetBudgets.panel) {
  console.error('over budget');
  process.exit(1);
}
