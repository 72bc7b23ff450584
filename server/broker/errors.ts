/** The embedded nats-server could not be found or started (exit code 1). */
export class BrokerStartError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BrokerStartError";
  }
}

export const NATS_NOT_FOUND_MESSAGE =
  'nats-server not found: set PAAS_NATS_SERVER_BIN or install it with "make setup" (apt-get install -y nats-server)';
