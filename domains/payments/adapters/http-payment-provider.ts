import {
  type AuthorizationRequest,
  type AuthorizationResult,
  type PaymentProvider,
  PaymentProviderRejected,
  PaymentProviderUnavailable,
  type VoidResult,
} from '../ports.js';
import type { ProviderApiKey } from './provider-api-key.js';

/** What an error code looks like (`idempotency_key_reused`): never free text that could quote a request. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface HttpPaymentProviderOptions {
  /** The provider's base URL (PAYMENT_PROVIDER_URL). */
  baseUrl: string;
  /** The API key (from the environment or Secrets Manager, never from code), and its refresh after a 401. */
  apiKey: ProviderApiKey;
  /** Each HTTP call is aborted after this long and counts as unavailable. */
  timeoutMs: number;
}

interface ProviderAnswer {
  status: number;
  body: Record<string, unknown>;
}

interface RawAnswer {
  status: number;
  text: string;
}

/** Statuses that mean "try again later", not "no". */
const isUnavailableStatus = (status: number) => status >= 500 || status === 429 || status === 408;

function field(answer: ProviderAnswer, name: string): string {
  const value = answer.body[name];
  if (typeof value !== 'string' || value === '') {
    throw new PaymentProviderRejected(`The provider's answer has no "${name}"`, answer.status);
  }
  return value;
}

/**
 * The payment provider's JSON API over HTTP (global fetch). Tells a declined card (a business answer)
 * apart from an unavailable provider (timeout, 5xx, network), which is thrown as PaymentProviderUnavailable.
 * A 401 means the key was rotated since it was read: the key is read again, bypassing its cache, and the
 * call made once more; a second 401 is PaymentProviderRejected (not retried, not an outage).
 */
export class HttpPaymentProvider implements PaymentProvider {
  constructor(private readonly options: HttpPaymentProviderOptions) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const answer = await this.post('/v1/authorizations', request);
    if (answer.status === 200 || answer.status === 201) {
      return { outcome: 'approved', authorizationId: field(answer, 'authorizationId') };
    }
    if (answer.status === 402) {
      const reason = answer.body.reason;
      return { outcome: 'declined', reason: typeof reason === 'string' && reason ? reason : 'declined' };
    }
    throw this.rejected('authorize', answer);
  }

  async capture(request: {
    authorizationId: string;
    idempotencyKey: string;
  }): Promise<{ captureId: string }> {
    const answer = await this.post(this.pathOf(request.authorizationId, 'capture'), {
      idempotencyKey: request.idempotencyKey,
    });
    if (answer.status === 200) return { captureId: field(answer, 'captureId') };
    throw this.rejected('capture', answer);
  }

  async void(request: { authorizationId: string; idempotencyKey: string }): Promise<VoidResult> {
    const answer = await this.post(this.pathOf(request.authorizationId, 'void'), {
      idempotencyKey: request.idempotencyKey,
    });
    if (answer.status === 200) return { outcome: 'voided' };
    if (answer.status === 409 && answer.body.status === 'captured') return { outcome: 'already-captured' };
    throw this.rejected('void', answer);
  }

  async refund(request: { authorizationId: string; idempotencyKey: string }): Promise<{ refundId: string }> {
    const answer = await this.post(this.pathOf(request.authorizationId, 'refund'), {
      idempotencyKey: request.idempotencyKey,
    });
    if (answer.status === 200) return { refundId: field(answer, 'refundId') };
    throw this.rejected('refund', answer);
  }

  private pathOf(authorizationId: string, action: string): string {
    return `/v1/authorizations/${encodeURIComponent(authorizationId)}/${action}`;
  }

  /**
   * The refusal names only the provider's error code: its free text may echo the request (the card token
   * among it), and this message reaches logs and the payment's `lastProviderError`.
   */
  private rejected(operation: string, answer: ProviderAnswer): PaymentProviderRejected {
    const code = [answer.body.error, answer.body.reason].find(
      (value): value is string => typeof value === 'string' && ERROR_CODE.test(value),
    );
    return new PaymentProviderRejected(
      `The provider refused ${operation} with ${answer.status}${code ? ` (${code})` : ''}`,
      answer.status,
    );
  }

  private async post(path: string, body: unknown): Promise<ProviderAnswer> {
    let answer = await this.send(path, body, await this.options.apiKey.current());
    if (answer.status === 401) {
      // Every operation carries the caller's idempotency key, so sending it again cannot act twice.
      answer = await this.send(path, body, await this.options.apiKey.refresh());
      if (answer.status === 401) {
        throw new PaymentProviderRejected(
          `The provider refused the API key for ${path} (401), also just after reading it again from its secret: the stored key is wrong or revoked`,
          401,
        );
      }
    }
    const { status, text } = answer;
    if (isUnavailableStatus(status)) {
      throw new PaymentProviderUnavailable(`The provider answered ${status}`, 'server-error');
    }
    try {
      return { status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    } catch {
      throw new PaymentProviderRejected(`The provider's answer to ${path} is not JSON`, status);
    }
  }

  private async send(path: string, body: unknown, apiKey: string): Promise<RawAnswer> {
    try {
      const response = await fetch(new URL(path, this.options.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): PaymentProviderUnavailable {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new PaymentProviderUnavailable(
        `The provider did not answer within ${this.options.timeoutMs} ms`,
        'timeout',
        { cause: error },
      );
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new PaymentProviderUnavailable(`The provider is unreachable: ${detail}`, 'network', {
      cause: error,
    });
  }
}
