import { AppError } from '../errors.js';

/**
 * The guard refused a URL. An AppError (400 validation_failed) so it reaches the user as a sentence they
 * can act on; its own class so callers can tell "refused by the guard" from "the server did not answer".
 */
export class OutboundRefusedError extends AppError {
  constructor(
    /** The host as written in the URL, or the address it resolved to. */
    readonly host: string,
    message: string,
  ) {
    super('validation_failed', message);
  }
}
