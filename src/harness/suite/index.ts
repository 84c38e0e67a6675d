/** CI regression suites (docs/suite.md): schema, runner, results and their JUnit/table/JSON forms. */
export { loadSuite, resolveSuite } from './load.js';
export { runSuite, runSuiteFile, defaultJobs, type SuiteRunOptions } from './run-suite.js';
export { parseShard, selectShard, type Shard } from './shard.js';
export { junitXml } from './junit.js';
export { formatSuiteTable } from './table.js';
export { summarize, type SuiteReport } from './report.js';
export type { CaseResult, CaseStatus } from './result.js';
export {
  SuiteError, EXPECTABLE_OUTCOMES, type Expectation, type ResolvedSuite, type SuiteCase, type RecordCase, type ReplayCase, type SuiteProblem,
} from './schema.js';
