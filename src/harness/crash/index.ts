/** Crash titles: console output -> one deduplicating line and a type (see parse.ts). */
export { parseCrashTitle, type CrashTitle, type CrashParseOptions, type CrashType } from './parse.js';
export { crashTitleForRun, symbolizerFor } from './run-title.js';
export { sanitizeTitle } from './normalize.js';
export { CRASH_HEADERS, KERNEL_PANIC, END_KERNEL_PANIC, type CrashHeader, type Severity } from './patterns.js';
