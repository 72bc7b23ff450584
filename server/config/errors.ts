/** A configuration the process must refuse to start with (exit code 2, SPEC §1). */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
