import { createHash, createHmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { describe, expect, it } from 'vitest';
import { NodeSha256 } from './node-sha256.ts';

// SHA-256 over node:crypto, checked against the JavaScript implementation the signer used before.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function digestOf(
  hash: { update(data: string | Uint8Array): void; digest(): Promise<Uint8Array> },
  parts: (string | Uint8Array)[],
) {
  for (const part of parts) hash.update(part);
  return hex(await hash.digest());
}

describe('NodeSha256', () => {
  const parts = [
    'AWS4-HMAC-SHA256\n',
    'é ✓\n',
    new Uint8Array([0, 1, 2, 255]),
    // A view into the middle of a larger buffer: only its own bytes count.
    new Uint8Array(new Uint8Array([9, 9, 7, 8, 9, 10, 9, 9]).buffer, 2, 4),
  ];

  it('hashes text (as UTF-8) and bytes as the JavaScript SHA-256 does', async () => {
    const ours = await digestOf(new NodeSha256(), parts);

    expect(ours).toBe(await digestOf(new Sha256(), parts));
    expect(ours).toBe(
      createHash('sha256')
        .update('AWS4-HMAC-SHA256\né ✓\n')
        .update(Buffer.from([0, 1, 2, 255, 7, 8, 9, 10]))
        .digest('hex'),
    );
  });

  it('computes an HMAC with a text or byte secret as the JavaScript one does', async () => {
    const secretBytes = new Uint8Array(await new Sha256().digest());

    const withText = await digestOf(new NodeSha256('AWS4secret'), parts);
    const withBytes = await digestOf(new NodeSha256(secretBytes), parts);

    expect(withText).toBe(await digestOf(new Sha256('AWS4secret'), parts));
    expect(withBytes).toBe(await digestOf(new Sha256(secretBytes), parts));
    expect(withText).toBe(
      createHmac('sha256', 'AWS4secret')
        .update('AWS4-HMAC-SHA256\n')
        .update('é ✓\n')
        .update(Buffer.from([0, 1, 2, 255, 7, 8, 9, 10]))
        .digest('hex'),
    );
  });

  it('starts over after reset', async () => {
    const hash = new NodeSha256('key');
    hash.update('discarded');
    hash.reset();

    expect(await digestOf(hash, ['kept'])).toBe(createHmac('sha256', 'key').update('kept').digest('hex'));
  });
});
