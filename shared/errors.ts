/**
 * Typed failures. Domains extend these classes (e.g. `class ProductNotFound extends NotFoundError`);
 * the HTTP stack maps them to status codes in one place (shared/http/problem.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** A stable, documented problem code: the problem's `type` is `urn:commerce:problem:<code>` (./http/problem.ts). */
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly code: string = 'bad-request';
}

export interface FieldError {
  path: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly code = 'validation-failed';
  constructor(
    readonly errors: FieldError[],
    message = 'The request is not valid.',
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly code: string = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code: string = 'not-found';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly code: string = 'conflict';
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly code = 'payload-too-large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly code = 'unsupported-media-type';
}

/** A valid request that a business rule refuses. */
export class BusinessRuleError extends DomainError {
  readonly status = 422;
  readonly code: string = 'business-rule-violated';
}
