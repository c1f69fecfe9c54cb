import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  encryptionContextOf,
  type SealBinding,
  type SealingScheme,
  type ValueOpener,
  type ValueSealer,
} from './sealed-value.js';

/**
 * KMS errors that mean the ciphertext itself is wrong (tampered, another encryption context, another
 * key): asking again gives the same answer. Anything else (throttling, network, a disabled key) is left
 * to the caller's retries.
 */
const UNREADABLE = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * Small values (card tokens, contact details) sealed with one symmetric KMS key under one scheme
 * (decisions.md: "Card tokens travel sealed", "Personal data travels sealed"). They are far below KMS's
 * 4 KB plaintext limit, so they are encrypted directly, with no data key.
 */
export class KmsSealedValueCipher<Subject extends string>
  implements ValueSealer<Subject>, ValueOpener<Subject>
{
  constructor(
    private readonly client: KMSClient,
    /** Key id, key ARN, alias name or alias ARN. */
    private readonly keyId: string,
    private readonly scheme: SealingScheme<Subject>,
  ) {}

  async seal(plaintext: string, binding: SealBinding<Subject>): Promise<string> {
    const { CiphertextBlob } = await this.client.send(
      new EncryptCommand({ ...this.keyAndContext(binding), Plaintext: Buffer.from(plaintext, 'utf8') }),
    );
    if (!CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
    return Buffer.from(CiphertextBlob).toString('base64');
  }

  async open(sealed: string, binding: SealBinding<Subject>): Promise<string> {
    try {
      const { Plaintext } = await this.client.send(
        new DecryptCommand({ ...this.keyAndContext(binding), CiphertextBlob: Buffer.from(sealed, 'base64') }),
      );
      if (!Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return Buffer.from(Plaintext).toString('utf8');
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (UNREADABLE.has(name)) throw this.scheme.unreadable(binding[this.scheme.subject], name);
      throw error;
    }
  }

  /**
   * Both directions name the key and the binding: naming the key on Decrypt makes KMS refuse a ciphertext
   * of any other key, rather than open it.
   */
  private keyAndContext(binding: SealBinding<Subject>) {
    return { KeyId: this.keyId, EncryptionContext: encryptionContextOf(this.scheme, binding) };
  }
}
