import { pageOf } from '../../ui/test-harness';

/**
 * Screen-test answers for an agent's page that has no evaluations yet: no sets, no runs, no gate.
 * Tests of other parts of that page spread these into their fake API.
 */
export const noEvaluations = {
  'GET /v1/evaluation-sets': () => pageOf([]),
  'GET /v1/evaluation-runs': () => pageOf([]),
  'GET /v1/agents/:id/evaluation-gate': () => Response.json({ agentId: 'agent', setId: null }),
};
