// Accessibility checks of the portal's pages in the browser tests.
import assert from 'node:assert/strict';
import axe from 'axe-core';

/**
 * Runs axe-core (injected from e2e's node_modules through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern) on
 * `page`; fails on any critical or serious violation.
 */
export async function noAxeViolations(page, what) {
  await page.evaluate(axe.source);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert.deepEqual(bad, [], `axe on ${what}`);
}
