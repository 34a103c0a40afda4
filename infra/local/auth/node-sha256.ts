// SHA-256 and HMAC-SHA256 for the SigV4 signer (`@smithy/signature-v4`) on node:crypto: checking each
// signature recomputes it, and the native hash costs a fraction of a JavaScript one.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

function bytesOf(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** A SHA-256 hash, or an HMAC-SHA256 when constructed with a secret, as the signer's `sha256` option expects. */
export class NodeSha256 implements Checksum {
  private state: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.state = this.fresh();
  }

  update(data: SourceData): void {
    this.state.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.state.digest());
  }

  reset(): void {
    this.state = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
}
