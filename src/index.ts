/**
 * kreplay's library API. Run, record and replay guest kernels, read traces, title crashes and run
 * suites from your own code and tests; `kreplay/vitest` adds matchers for vitest.
 */
export { runGuest, recordGuest, replayTrace, openTrace } from './harness/api.js';
export type { GuestOptions, RecordGuestOptions, GuestRun, GuestRecording, TraceReplay, Titled } from './harness/api.js';
export type { ReplayOptions, ReplayStatus, Divergence } from './harness/replay.js';
export { TraceReader, TraceError } from './trace/reader.js';
export type { TraceEvent, TraceHeader, TraceRecovery } from './trace/reader.js';
export { EVENT, EVENT_NAMES } from './trace/schema.js';
export type { Outcome, OutcomeKind } from './machine/outcome.js';
export { exitCodeFor } from './machine/outcome.js';
export type { MachineConfig } from './machine/machine.js';
export { describeOutcome } from './harness/describe.js';
export { parseCrashTitle, crashTitleForRun, sanitizeTitle } from './harness/crash/index.js';
export type { CrashTitle, CrashType, CrashParseOptions } from './harness/crash/index.js';
export { checkPanic, checkExit, checkReplayClean } from './harness/matchers.js';
export type { PanicExpectation, AssertionResult } from './harness/matchers.js';
export {
  loadSuite, resolveSuite, runSuite, runSuiteFile, junitXml, formatSuiteTable, parseShard, selectShard, SuiteError,
} from './harness/suite/index.js';
export type { SuiteReport, CaseResult, CaseStatus, ResolvedSuite, SuiteCase, Expectation, SuiteRunOptions, Shard } from './harness/suite/index.js';
export { Clock, Timer } from './machine/clock.js';
export { TOOL_VERSION } from './version.js';
