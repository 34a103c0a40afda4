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
  /** The call takes effect, but its answer never comes: the caller's timeout gives up on it. */
  applyThenHang?: boolean;
}

/** What the Drone service's `422 no-drone-available` says about waiting (docs/internals.md). */
export interface NoDroneExtensions {
  retryAt?: string;
  latestDeparture?: string;
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
  readonly events: { detailType: string; deliveryId: string; reason?: unknown; change?: unknown }[] = [];
  /**
   * While set, every drone is booked for the windows asked: an assignment other than the booking a
   * delivery already holds is refused with 422 and these members (the old booking is kept).
   */
  fleetBooked: NoDroneExtensions | undefined;
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

  /**
   * The next `times` calls matching method and path take effect, but their answer never comes, as
   * when the callee is slow and the caller's timeout gives up on it.
   */
  hangAfterApplying(method: string, pattern: RegExp, times = 1): void {
    this.faults.push({ method, pattern, status: 200, remaining: times, applyThenHang: true });
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
      if (fault.applyThenHang) {
        this.route(method, url, body ?? {});
        return new Promise<Response>(() => {});
      }
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
      if (method === 'PUT' && b === 'reschedule-rejection') return this.rejectReschedule(a, body);
      if (method === 'PUT' && b === 'waiting') return this.markWaiting(a, body);
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
    const booked = this.assignments.get(deliveryId);
    // As the Drone service: the same request answers its booking, flown or not; a change is refused in flight.
    if (booked && JSON.stringify(booked.request) === JSON.stringify(body)) return ok(withoutRequest(booked));
    if (current?.inFlight) return problem(409, 'drone-in-flight');
    if (this.fleetBooked) return problem(422, 'no-drone-available', { ...this.fleetBooked });
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
    this.assignments.set(deliveryId, { ...assignment, request: body });
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
    // The first scheduling only: a Rescheduled delivery keeps its newer plan.
    if (delivery.stage === 'Rescheduled') return ok(delivery);
    if (delivery.stage === 'Requested') this.events.push({ detailType: 'DeliveryCreated', deliveryId });
    Object.assign(delivery, body, { stage: 'Scheduled' });
    return ok(delivery);
  }

  /** The whole new plan and its drone at once; decided once per requestId (docs/internals.md). */
  private reschedule(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    const handled = (delivery.handledRequests ?? []) as unknown[];
    if (handled.includes(body.requestId)) return ok(delivery);
    if (LOCKED_FOR_SCHEDULE.has(delivery.stage)) return problem(409, 'conflict');
    if (Date.parse(String(body.deadline)) <= Date.parse(String(body.pickupTime))) {
      return problem(422, 'invalid-schedule');
    }
    const { requestId, ...plan } = body;
    const first = delivery.stage === 'Requested';
    Object.assign(delivery, plan, {
      stage: first ? 'Scheduled' : 'Rescheduled',
      handledRequests: [...handled, requestId],
    });
    this.events.push({ detailType: first ? 'DeliveryCreated' : 'DeliveryRescheduled', deliveryId });
    return ok(delivery);
  }

  /** The delivery stays exactly as it is; DeliveryRescheduleRejected once per requestId, in any stage. */
  private rejectReschedule(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    const handled = (delivery.handledRequests ?? []) as unknown[];
    if (handled.includes(body.requestId)) return ok(delivery);
    delivery.handledRequests = [...handled, body.requestId];
    this.events.push({
      detailType: 'DeliveryRescheduleRejected',
      deliveryId,
      reason: body.reason,
      change: body.change,
    });
    return ok(delivery);
  }

  private markWaiting(deliveryId: string, body: Json): Response {
    const delivery = this.deliveries.get(deliveryId);
    if (!delivery) return problem(404, 'not-found');
    if (delivery.stage !== 'Requested') return problem(409, 'delivery-stage-conflict');
    delivery.waiting = { for: body.for, until: body.until };
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

function problem(status: number, slug: string, extensions: Json = {}): Response {
  return new Response(
    JSON.stringify({
      type: `https://drone-delivery.dev/problems/${slug}`,
      title: slug,
      status,
      detail: slug,
      ...extensions,
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

function withoutRequest(assignment: Json): Json {
  const { request: _request, ...rest } = assignment;
  return rest;
}
