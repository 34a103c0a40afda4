// Queue URLs in the embedded emulator's form and in the local cloud's (`<edgeUrl>/<account>/<name>`).

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';
// fauxqs builds URLs from the Host header; a fixed header without a port makes them predictable.
export const INTERNAL_HOST = 'localhost';
export const INTERNAL_PREFIX = `http://sqs.${REGION}.${INTERNAL_HOST}/`;

/** A queue URL of any host: its account and its name. */
export const QUEUE_URL = /^https?:\/\/[^/]+\/(\d{12})\/([^/?#]+)\/?$/;

/** Rewrites a queue URL of any host to fauxqs's own form (the account and name are what identify it). */
export function toInternalQueueUrl(url: string): string {
  const match = QUEUE_URL.exec(url);
  return match ? `${INTERNAL_PREFIX}${match[1]}/${match[2]}` : url;
}

/** Rewrites every fauxqs queue URL in an answer to the local cloud's form. */
export function toEdgeUrls(text: string, edgeUrl: string): string {
  return text.split(INTERNAL_PREFIX).join(`${edgeUrl.replace(/\/$/, '')}/`);
}
