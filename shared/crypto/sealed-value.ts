/**
 * A kind of value sealed with KMS: what it is for (`purpose`) and the name of the id it belongs to
 * (`subject`, e.g. `orderId`). Sealing binds the ciphertext to `{ [subject]: id, purpose }` as the
 * encryption context: KMS authenticates it with the ciphertext and records it in CloudTrail, and a key
 * policy can allow each role one purpose only. A ciphertext copied onto another subject, or used for
 * another purpose, does not open.
 */
export interface SealingScheme<Subject extends string> {
  readonly purpose: string;
  readonly subject: Subject;
  /** The error, named for its domain, of a ciphertext that will never open under this scheme. */
  unreadable(subjectId: string, reason: string): SealedValueUnreadable;
}

/** The subject a value is sealed for, under the scheme's name for its id (`{ orderId }`, `{ customerId }`). */
export type SealBinding<Subject extends string> = Readonly<Record<Subject, string>>;

export interface ValueSealer<Subject extends string> {
  /** The value sealed for `binding`, as base64 text fit for an event. */
  seal(plaintext: string, binding: SealBinding<Subject>): Promise<string>;
}

export interface ValueOpener<Subject extends string> {
  /**
   * The clear value. Throws the scheme's SealedValueUnreadable when the ciphertext can never be opened
   * (tampered, sealed for another subject or purpose, another key); other errors are transient.
   */
  open(sealed: string, binding: SealBinding<Subject>): Promise<string>;
}

/** The ciphertext will never open: retrying cannot help. Its text holds the purpose and ids only. */
export class SealedValueUnreadable extends Error {
  constructor(
    readonly purpose: string,
    readonly subjectId: string,
    readonly reason: string,
  ) {
    super(`The sealed ${purpose} of ${subjectId} cannot be opened: ${reason}`);
    this.name = 'SealedValueUnreadable';
  }
}

/**
 * A scheme whose unreadable ciphertexts fail with an error class of their own (named for the domain that
 * catches it), constructed like SealedValueUnreadable.
 */
export function sealingScheme<Subject extends string>(
  purpose: string,
  subject: Subject,
  Unreadable: new (purpose: string, subjectId: string, reason: string) => SealedValueUnreadable,
): SealingScheme<Subject> {
  return { purpose, subject, unreadable: (subjectId, reason) => new Unreadable(purpose, subjectId, reason) };
}

/** The encryption context of a value sealed under `scheme` for `binding`. */
export function encryptionContextOf<Subject extends string>(
  scheme: SealingScheme<Subject>,
  binding: SealBinding<Subject>,
): Record<string, string> {
  return { [scheme.subject]: binding[scheme.subject], purpose: scheme.purpose };
}
