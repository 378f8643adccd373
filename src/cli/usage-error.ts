/** An error the command line reports as one line and an exit status, never as a stack trace. */
export class CliError extends Error {
  readonly code: string;
  readonly exitStatus: number;

  constructor(code: string, message: string, exitStatus = 1) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitStatus = exitStatus;
  }
}

/** Wrong usage: exit status 2, as most Unix tools do. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('ERR_USAGE', message, 2);
    this.name = 'UsageError';
  }
}
