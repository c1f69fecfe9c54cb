import { describe, expect, it } from 'vitest';
import { readBodyText } from '../../../scripts/local-cloud/http-body.mjs';

/** A request body arriving in chunks, counting how many the reader pulled. */
function streamed(chunks: string[]) {
  const stream = {
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) {
        stream.pulled++;
        yield Buffer.from(chunk, 'utf8');
      }
    },
  };
  return stream;
}

const tooLarge = () => new Error('too large');

describe("the emulators' request body reader", () => {
  it('joins the chunks into the text, multi-byte characters split across chunks included', async () => {
    const euro = Buffer.from('€', 'utf8');
    const body = {
      async *[Symbol.asyncIterator]() {
        yield Buffer.from('{"price":"12 ');
        yield euro.subarray(0, 1);
        yield Buffer.concat([euro.subarray(1), Buffer.from('"}')]);
      },
    };

    expect(await readBodyText(body, 1024, tooLarge)).toBe('{"price":"12 €"}');
  });

  it('accepts a body of exactly the limit, and an empty one', async () => {
    expect(await readBodyText(streamed(['12345', '67890']), 10, tooLarge)).toBe('1234567890');
    expect(await readBodyText(streamed([]), 10, tooLarge)).toBe('');
  });

  it("refuses a body past the limit with the emulator's own error, without reading the rest", async () => {
    const body = streamed(['12345', '678901', 'never read']);

    await expect(readBodyText(body, 10, tooLarge)).rejects.toThrow('too large');
    expect(body.pulled).toBe(2);
  });
});
