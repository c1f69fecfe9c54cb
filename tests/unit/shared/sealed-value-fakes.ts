import { randomBytes } from 'node:crypto';
import type { SealBinding, SealingScheme } from '../../../shared/crypto/sealed-value.js';

/**
 * KMS in miniature for one scheme: a sealed value is random bytes (base64) that only this fake can open,
 * and only for the subject it was sealed for, so tests can check that nothing downstream holds the value
 * in any form. An unknown or misbound ciphertext fails with the scheme's own unreadable error.
 */
export class FakeSealedValues<Subject extends string> {
  private readonly sealed = new Map<string, { plaintext: string; subjectId: string }>();
  readonly opened: Array<{ sealed: string; subjectId: string }> = [];

  constructor(private readonly scheme: SealingScheme<Subject>) {}

  sealNow(plaintext: string, binding: SealBinding<Subject>): string {
    const ciphertext = randomBytes(48).toString('base64');
    this.sealed.set(ciphertext, { plaintext, subjectId: binding[this.scheme.subject] });
    return ciphertext;
  }

  openNow(ciphertext: string, binding: SealBinding<Subject>): string {
    const subjectId = binding[this.scheme.subject];
    this.opened.push({ sealed: ciphertext, subjectId });
    const entry = this.sealed.get(ciphertext);
    if (!entry || entry.subjectId !== subjectId)
      throw this.scheme.unreadable(subjectId, 'InvalidCiphertextException');
    return entry.plaintext;
  }

  /** What a ciphertext holds (`undefined`: not sealed by this fake). */
  peek(ciphertext: string): { plaintext: string; subjectId: string } | undefined {
    return this.sealed.get(ciphertext);
  }
}
