import { describe, expect, it } from 'vitest';
import { widgetBudgets, widgetSizes } from '../../bench/widget/widget-sizes.js';

/** The widget is downloaded by every visitor of a customer's site: its gzip sizes stay within budget. */
describe('the widget download budget', () => {
  it('keeps the loader within 5 KB and the panel within 60 KB, gzip', () => {
    const sizes = widgetSizes();
    expect(sizes.loader).toBeGreaterThan(500);
    expect(sizes.loader).toBeLessThanOrEqual(widgetBudgets.loader);
    expect(sizes.panel).toBeLessThanOrEqual(widgetBudgets.panel);
  });
});
