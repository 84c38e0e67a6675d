/** A problem with what the user gave us: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit code for unusable input (bad flags, missing or malformed files). */
export const EXIT_BAD_INPUT = 2;
