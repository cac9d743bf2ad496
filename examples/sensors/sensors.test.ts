// The short sensor scenario on an embedded Brook.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { sensors } from './scenario.js';

test('sensors: windows match an independent computation, late readings within grace are counted', async () => {
  await assertClaimsHold(sensors);
});
