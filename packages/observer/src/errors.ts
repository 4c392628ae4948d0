import { StrandError } from '@strand/core';

/** `observe` was asked to bind beyond loopback without a token: anyone reaching the port could kill processes. */
export class ObserverExposedError extends StrandError {
  constructor(host: string) {
    super('ERR_STRAND_OBSERVER_EXPOSED', `observe: binding to ${host} (not loopback) requires a token`);
  }
}

/** An option of `observe` is out of range. */
export class ObserverOptionError extends StrandError {
  constructor(name: string, value: unknown, expected: string) {
    super('ERR_STRAND_OBSERVER_OPTION', `observe: ${name} must be ${expected}, got ${JSON.stringify(value)}`);
  }
}
