// Bundled by scripts/sieve-coverage.mjs: the coverage measure as the test counts it.
export { fullyConverted, measureAll, reasonTally, sumCounts } from '../test/sieve/coverage-measure.js';
