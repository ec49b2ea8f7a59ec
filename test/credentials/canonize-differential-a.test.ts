import { describeDifferential } from './support/differential';

// Half of the CI differential run (DESIGN 9: two verification paths, one verdict); see support/differential.ts.
describeDifferential(20261206, 2500);
