/**
 * The second half of the full run of the random instruction cases (KREF_RANDOM=full, `npm run
 * test:cpu-random`): the odd slices; random.test.ts runs the even ones. Without KREF_RANDOM=full
 * (in `npm test`) this file runs nothing: random.test.ts runs slice 0.
 */
import { describe, it } from 'vitest';
import { catalog } from './random/catalog.js';
import { loadFixture, runGroups } from './random/suite.js';

if (process.env.KREF_RANDOM === 'full') runGroups(loadFixture(), catalog().planned, null, 1, 2);
else describe('random instruction cases, odd slices', () => it.skip('run by `npm run test:cpu-random` (KREF_RANDOM=full)', () => {}));
