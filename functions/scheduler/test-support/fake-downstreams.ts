// An in-memory stand-in for the four internal services the scheduler drives (Accounts, Package,
// Drone Management, Delivery), answering the routes of docs/internals.md behind a fake `fetch`.

type Json = Record<string, unknown>;

interface Drone {
  droneId: string;
  payloadLimitKg: number;
  deliveryId?: string;
  inFlight: boolean;
}

interface Fault {
  method: string;
  pattern: RegExp;
  status: number;
  remaining: number;
}

const WEIGHT_LIMITS: Record<string, number> = { Small: 2, Medium: 5, Large: 10 };
const LOCKED_FOR_SCHEDULE = new Set(['Cancelled', 'Failed', 'InTransit', 'Completed']);

/** The fake services, their state, the calls they received and the events they would have emitted. */
export class FakeDownstreams {
  readonly accounts = new Map<string, Json & { status: 'Active' | 'Suspended' }>();
  readonly packages = new Map<string, Json & { status: string }>();
  readonly drones: Drone[] = [];
  readonly assignments = new Map<string, Json & { droneId: string }>();
  readonly deliveries = new Map<string, Json & { stage: string; accountId: string }>();
  readonly calls: string[] = [];
  readonly bodies: { call: string; body: unknown }[] = [];
  readonly events: { detailType: string; deliveryId: string; reason?: unknown }[] = [];
  private readonly faults: Fault[] = [];

  /** An active account, one capable drone: a delivery of up to 5 kg can be scheduled. */
  static standard(accountId = 'acct-1'): FakeDownstreams {
    const fake = new FakeDownstreams();
    fake.accounts.set(accountId, { accountId, name: 'Acme', status: 'Active' });
    fake.drones.push({ droneId: 'drone-1', payloadLimitKg: 5, inFlight: false });
    return fake;
  }

  /** The next `times` calls matching method and path answer `status` (0: a network failure). */
  failNext(method: string, pattern: RegExp, status: number, times = 1): void {
    this.faults.push({ method, pattern, status, remaining: times });
  }

  /** Calls received, as `METHOD /path` (query string dropped). */
  callsTo(method: string, pattern: RegExp): string[] {
    return this.calls.filter(
      (call) => call.startsWith(`${method} `) && pattern.test(call.slice(method.length + 1)),
    );
  }

  /** Packages still active and drones still assigned. */
  reserved(): { packages: string[]; assignments: string[] } {
    return {
      packages: [...this.packages].filter(([, p]) => p.status === 'Active').map(([id]) => id),
      assignments: [...this.assignments.keys()],
    };
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const call = `${method} ${url.pathname}`;
    this.calls.push(call);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Json) : undefined;
    this.bodies.push({ call, body });
    const fault = this.faults.find(
      (f) => f.remaining > 0 && f.method === method && f.pattern.test(url.pathname),
    );
    if (fault) {
      fault.remaining -= 1;
      if (fault.status === 0) throw new TypeError('fetch failed: connection reset');
      return problem(fault.status, 'injected-fault');
    }
    return this.route(method, url, body ?? {});
  };

  private route(method: string, url: URL, body: Json): Response {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, a, b] = parts;
    if (root === 'accounts' && method === 'GET' && a) return this.getAccount(a);
    if (root === 'packages' && a && method === 'PUT') return this.putPackage(a, body);
    if (root === 'packages' && a && method === 'DELETE') return this.cancelPackage(a);
    if (root === 'drones' && a === 'assignments' && b && method === 'PUT') return this.assign(b, body);
    if (root === 'drones' && a === 'assignments' && b && method === 'DELETE') return this.release(b);
    if (root === 'deliveries' && a) {
      if (method === 'GET' && parts.length === 2) return this.getDelivery(a);
      if (method === 'PUT' && parts.length === 2) return this.createDelivery(a, body);
      if (method === 'PUT' && b === 'schedule') return this.schedule(a, body);
      if (method === 'PUT' && b === 'reschedule') return this.reschedule(a, body);
      if (method === 'PUT' && b === 'failure') return this.fail(a, body);
      if (method === 'DELETE' && parts.length === 2)
        return this.cancelDelivery(a, url.searchParams.get('reason'));
    }
    return problem(404, 'not-found');
  }

  private getAccount(accountId: string): Response {
    const account = this.accounts.get(accountId);
    return account ? ok(account) : problem(404, 'not-found');
  }

  private putPackage(deliveryId: string, body: Json): Response {
    const limit = WEIGHT_LIMITS[String(body.size)] ?? 0;
    if (Number(body.weightKg) > limit) return problem(422, 'package-rejected');
    const existing = this.packages.get(deliveryId);
    const stored = {
      packageId: existing?.packageId ?? `pkg-${deliveryId}`,
      deliveryId,
      ...body,
      status: 'Active',
    };
    this.packages.set(deliveryId, stored);
    return ok(stored);
  }

  private cancelPackage(deliveryId: string): Response {
    const existing = this.packages.get(deliveryId);
    if (!existing) return ok({ deliveryId, status: 'Cancelled' });
    existing.status = 'Cancelled';
    return ok(existing);
  }

  private assign(deliveryId: string, body: Json): Response {
    const current = this.drones.find((drone) => drone.deliveryId === deliveryId);
    if (current?.inFlight) return problem(409, 'drone-in-flight');
    const drone =
      current ??
      this.drones.find(
        (d) => d.deliveryId === undefined && !d.inFlight && d.payloadLimitKg >= Number(body.weightKg),
      );
    if (!drone) return problem(422, 'no-drone-available');
    drone.deliveryId = deliveryId;
    const assignment = {
      deliveryId,
      droneId: drone.droneId,
      pickupEta: String(body.pickupTime),
      deliveryEta: String(body.deadline),
    };
    this.assignments.set(deliveryId, assignment);
    return ok(assignment);
  }

  private release(deliveryId: string): Response {
    const drone = this.drones.find((d) => d.deliveryId === deliveryId);
    if (drone?.inFlight) return problem(409, 'drone-in-flight');
    if (drone) drone.deliveryId = undefined;
    const released = this.assignments.delete(deliveryId);
    return ok({ deliveryId, released });
  }

  private getDelivery(deliveryId: string): Response {
    const delivery = this.deliveries.get(deliveryId);
    return delivery ? ok(delivery) : problem(404, 'not-found');
  }

  private createDelivery(deliveryId: string, body: Json): Response {
    const existing = this.deliveries.get(deliveryId);
    if (existing) return ok(existing);
    const created = { deliveryId, ...body, accountId: String(body.accountId), stage: 'Requested' };
    this.deliveries.set(deliveryId, created);
    return ok(created);
  }

  private schedule(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    if (LOCKED_FOR_SCHEDULE.has(delivery.stage)) return problem(409, 'conflict');
    if (delivery.stage === 'Requested') this.events.push({ detailType: 'DeliveryCreated', deliveryId });
    if (delivery.stage === 'Rescheduled') this.events.push({ detailType: 'DeliveryRescheduled', deliveryId });
    Object.assign(delivery, body, { stage: 'Scheduled' });
    return ok(delivery);
  }

  private reschedule(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    if (LOCKED_FOR_SCHEDULE.has(delivery.stage)) return problem(409, 'conflict');
    Object.assign(delivery, body, { stage: 'Rescheduled' });
    return ok(delivery);
  }

  private cancelDelivery(deliveryId: string, reason: string | null): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    if (delivery.stage === 'Cancelled') return ok(delivery);
    if (LOCKED_FOR_SCHEDULE.has(delivery.stage)) return problem(409, 'conflict');
    delivery.stage = 'Cancelled';
    this.events.push({ detailType: 'DeliveryCancelled', deliveryId, reason });
    return ok(delivery);
  }

  private fail(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    if (delivery.stage === 'Completed') return problem(409, 'conflict');
    if (delivery.stage !== 'Failed') {
      delivery.stage = 'Failed';
      delivery.failureReason = body.reason;
      this.events.push({ detailType: 'DeliveryFailed', deliveryId, reason: body.reason });
    }
    return ok(delivery);
  }
}

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, slug: string): Response {
  return new Response(
    JSON.stringify({
      type: `https://drone-delivery.dev/problems/${slug}`,
      title: slug,
      status,
      detail: slug,
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}
