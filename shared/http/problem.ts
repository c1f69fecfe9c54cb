import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type FieldError, ValidationError } from '../errors.js';

/** RFC 9457 problem details: the one error shape every HTTP route answers with. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  correlationId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:commerce:problem:${code}`;
}

/** Maps any thrown value to problem details; unknown errors become a 500 that reveals nothing internal. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof DomainError) {
    return {
      type: problemType(error.code),
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      ...(instance ? { instance } : {}),
      ...error.details,
      ...(error instanceof ValidationError ? { errors: error.errors } : {}),
    };
  }
  return {
    type: problemType('internal-error'),
    title: TITLES[500] as string,
    status: 500,
    detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problem),
  };
}
