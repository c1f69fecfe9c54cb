/**
 * The body of a request to one of the local emulators, as text. A body past `maxBytes` is refused while
 * it streams in, with the error `tooLarge()` makes: each emulator answers it in its own service's shape
 * (AWS's JSON error, SES's 400, the payment sandbox's 413).
 * @param {AsyncIterable<Buffer>} req
 * @param {number} maxBytes
 * @param {() => Error} tooLarge
 * @returns {Promise<string>}
 */
export async function readBodyText(req, maxBytes, tooLarge) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
