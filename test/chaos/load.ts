// The chaos suite's load: planned deliveries (a seeded mix of accounts, package sizes, duplicate
// submissions and requests bound to fail for good), and the clients that submit them.

/** Accounts the demo data seeds as Active. */
export const ACTIVE_ACCOUNTS = ['acct-demo', 'acct-demo-2', 'acct-demo-3', 'acct-other'] as const;
export const SUSPENDED_ACCOUNT = 'acct-suspended';

/** What a planned delivery is meant to exercise. */
export type PlanKind = 'normal' | 'suspended' | 'overweight';
/** How a planned delivery is submitted again with the same key and body: not, at once, or after the first answer. */
export type DuplicateMode = 'none' | 'concurrent' | 'sequential';

export interface PlannedDelivery {
  index: number;
  idempotencyKey: string;
  accountId: string;
  kind: PlanKind;
  duplicate: DuplicateMode;
  body: Record<string, unknown>;
}

export interface LoadMix {
  /** Share of deliveries submitted twice with the same key and body (half at once, half after). */
  duplicateShare: number;
  /** Share for a suspended account (ends Failed, AccountSuspended). */
  suspendedShare: number;
  /** Share with a package over its size's weight limit (ends Failed, PackageRejected). */
  overweightShare: number;
}

/** A small seeded generator (mulberry32), so that a run's mix can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

// Packages within their size's limit (Small 2 kg, Medium 5 kg, Large 10 kg), mostly small: the
// fleet's payload limits run from 2 to 12 kg, so heavy ones wait for the few big drones.
function packageFor(random: () => number, index: number): Record<string, unknown> {
  const pick = random();
  if (pick < 0.55) return { size: 'Small', weightKg: round(0.3 + random() * 1.7, 1), tag: `chaos-${index}` };
  if (pick < 0.85) return { size: 'Medium', weightKg: round(2.1 + random() * 2.9, 1), tag: `chaos-${index}` };
  return { size: 'Large', weightKg: round(5.1 + random() * 4.4, 1), tag: `chaos-${index}` };
}

/** The deliveries of a run, in submission order. */
export function planDeliveries(count: number, mix: LoadMix, seed: number, runId: string): PlannedDelivery[] {
  const random = seededRandom(seed);
  // A pickup now: drones fly at their booked departure, so a later pickup would not end within the run.
  const pickupTime = new Date(Date.now());
  return Array.from({ length: count }, (_, index) => {
    const roll = random();
    const kind: PlanKind =
      roll < mix.suspendedShare
        ? 'suspended'
        : roll < mix.suspendedShare + mix.overweightShare
          ? 'overweight'
          : 'normal';
    const duplicateRoll = random();
    const duplicate: DuplicateMode =
      duplicateRoll < mix.duplicateShare / 2
        ? 'concurrent'
        : duplicateRoll < mix.duplicateShare
          ? 'sequential'
          : 'none';
    // Pickups within the fleet's home area, drops a kilometre or so away: flights of seconds.
    const pickup = {
      latitude: round(47.58 + random() * 0.05, 5),
      longitude: round(-122.33 + random() * 0.06, 5),
      altitude: 0,
    };
    const dropoff = {
      latitude: round(pickup.latitude + (random() - 0.5) * 0.02, 5),
      longitude: round(pickup.longitude + (random() - 0.5) * 0.02, 5),
      altitude: 0,
    };
    const pkg =
      kind === 'overweight'
        ? { size: 'Small', weightKg: round(2.5 + random() * 1.5, 1), tag: `chaos-${index}-overweight` }
        : packageFor(random, index);
    return {
      index,
      idempotencyKey: `chaos-${runId}-${index}`,
      accountId:
        kind === 'suspended'
          ? SUSPENDED_ACCOUNT
          : (ACTIVE_ACCOUNTS[index % ACTIVE_ACCOUNTS.length] ?? 'acct-demo'),
      kind,
      duplicate,
      body: {
        pickup,
        dropoff,
        pickupTime: pickupTime.toISOString(),
        deadline: new Date(pickupTime.getTime() + 2 * 60 * 60_000).toISOString(),
        expedited: random() < 0.2,
        confirmationRequired: 'None',
        package: pkg,
      },
    };
  });
}

/** One answer of the public API to a schedule request. */
export interface PostAnswer {
  status: number;
  deliveryId: string | undefined;
  /** Attempts it took (503s and network errors are retried with the same key, as a client should). */
  attempts: number;
}

/** What the clients did with one planned delivery. */
export interface Submission {
  plan: PlannedDelivery;
  /** When the first request of this delivery left the client (epoch ms). */
  postedAt: number;
  answers: PostAnswer[];
  deliveryId: string | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts a schedule request, retrying retry-safe failures (5xx, network) with the same key. */
export async function postDelivery(
  publicApiUrl: string,
  token: string,
  plan: PlannedDelivery,
  maxAttempts = 6,
): Promise<PostAnswer> {
  let status = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const response = await fetch(`${publicApiUrl}/v1/deliveries`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': plan.idempotencyKey,
        },
        body: JSON.stringify(plan.body),
      });
      status = response.status;
      const text = await response.text();
      if (status < 500) {
        const body = text ? (JSON.parse(text) as { deliveryId?: string }) : {};
        return { status, deliveryId: status === 202 ? body.deliveryId : undefined, attempts: attempt };
      }
    } catch {
      status = 0;
    }
    await sleep(Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
  }
  return { status, deliveryId: undefined, attempts: maxAttempts };
}

/** Submits one planned delivery, with its duplicate if it has one. */
export async function submit(
  publicApiUrl: string,
  token: string,
  plan: PlannedDelivery,
): Promise<Submission> {
  const postedAt = Date.now();
  let answers: PostAnswer[];
  if (plan.duplicate === 'concurrent') {
    answers = await Promise.all([
      postDelivery(publicApiUrl, token, plan),
      postDelivery(publicApiUrl, token, plan),
    ]);
  } else {
    const first = await postDelivery(publicApiUrl, token, plan);
    answers = [first];
    if (plan.duplicate === 'sequential') {
      await sleep(50 + Math.random() * 300);
      answers.push(await postDelivery(publicApiUrl, token, plan));
    }
  }
  return { plan, postedAt, answers, deliveryId: answers.find((answer) => answer.deliveryId)?.deliveryId };
}

/**
 * Runs `concurrency` clients over the plans. Each client submits a delivery, then waits (up to
 * `holdMs`) for it to end before its next one, like a dispatcher who keeps a few orders open: the
 * load follows the fleet's pace instead of burying it in requests that could only fail.
 */
export async function runClients(options: {
  plans: PlannedDelivery[];
  concurrency: number;
  publicApiUrl: string;
  tokens: Map<string, string>;
  holdMs: number;
  waitUntilSettled: (deliveryId: string, timeoutMs: number) => Promise<void>;
  onSubmitted?: (submission: Submission) => void;
}): Promise<Submission[]> {
  const submissions: Submission[] = [];
  let next = 0;
  const client = async () => {
    for (let index = next++; index < options.plans.length; index = next++) {
      const plan = options.plans[index];
      if (!plan) break;
      const token = options.tokens.get(plan.accountId);
      if (!token) throw new Error(`no token for ${plan.accountId}`);
      const submission = await submit(options.publicApiUrl, token, plan);
      submissions.push(submission);
      options.onSubmitted?.(submission);
      if (submission.deliveryId) await options.waitUntilSettled(submission.deliveryId, options.holdMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return submissions.sort((a, b) => a.plan.index - b.plan.index);
}
