/** kreplay's version (kept equal to package.json's by a test); recorded in trace headers. */
export const TOOL_VERSION = '0.1.0';
