import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Frame, Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}
type Axe = { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };

/**
 * The WCAG 2.1 A and AA problems axe-core finds in what a page (or a frame, such as the widget's panel)
 * shows now, serious and critical ones, as `rule (n): what it asks — where`. axe is evaluated through the
 * browser's devtools protocol, which the console's Content-Security-Policy does not govern.
 */
export async function accessibilityProblems(target: Page | Frame): Promise<string[]> {
  await target.evaluate(axeSource);
  const violations = await target.evaluate(async () => {
    const { axe } = window as unknown as { axe: Axe };
    const byTag = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    // WCAG 2.5.3 (a control's name holds its visible words) is still "experimental" in axe: asked by name.
    const labelInName = await axe.run(document, {
      runOnly: { type: 'rule', values: ['label-content-name-mismatch'] },
      resultTypes: ['violations'],
    });
    return [...byTag.violations, ...labelInName.violations];
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.nodes.length}): ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => JSON.stringify(node.target))
          .join(', ')}`,
    );
}
