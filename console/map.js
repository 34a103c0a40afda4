// @ts-check
// The live map: drones (position, status, battery) and each delivery's pickup, dropoff, planned route
// and flown track, drawn as SVG from their coordinates alone (no tiles, nothing from the network). The
// area shown grows to hold every point seen and never shrinks, so the picture does not jump. Beside
// it a table says the same for keyboard and screen reader users.

const WIDTH = 800;
const HEIGHT = 480;
const PAD = 28;
const MAX_DELIVERIES = 60;

const STATUS_COLOURS = /** @type {Record<string, string>} */ ({
  Idle: '#4a5260',
  HeadedToPickup: '#0b5cad',
  PickedUp: '#6b21a8',
  HeadedToDropoff: '#6b21a8',
  Dropped: '#1d6b35',
  Returning: '#0e7490',
  Charging: '#7a4b00',
});

/**
 * @param {import('./model.js').Model} model
 * @param {any} host the console host (ui helpers, stream)
 * @param {{ selected(): string | undefined }} selection
 */
export function mountMap(model, host, selection) {
  const { h, svg, fill, panel, throttle, clock } = host.ui;
  const { section, body } = panel({
    id: 'map',
    title: 'Live map',
    description:
      'Drones and deliveries as the bus reports them: ■ pickup, ● dropoff, dashed line the planned route, solid line the flown track.',
    wide: true,
  });
  const desc = h('p', { id: 'map-desc', class: 'visually-hidden' });
  const drawing = svg('svg', {
    id: 'map-svg',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-labelledby': 'map-title map-desc',
    class: 'map',
  });
  const rows = h('tbody');
  body.append(
    h(
      'div',
      { class: 'map-layout' },
      h('div', {}, drawing, desc),
      h(
        'div',
        { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Drones' },
        h(
          'table',
          { class: 'data', id: 'drones-table' },
          h('caption', {}, 'Drones'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Drone', 'Status', 'Battery', 'Position', 'Delivery', 'Reported'].map((name) =>
                h('th', { scope: 'col' }, name),
              ),
            ),
          ),
          rows,
        ),
      ),
    ),
  );
  host.container.append(section);

  /** @type {{ minLat: number, maxLat: number, minLon: number, maxLon: number } | undefined} */
  let bounds;

  /** @param {import('./model.js').Location} point */
  const include = (point) => {
    if (!bounds) {
      bounds = {
        minLat: point.latitude,
        maxLat: point.latitude,
        minLon: point.longitude,
        maxLon: point.longitude,
      };
      return;
    }
    bounds.minLat = Math.min(bounds.minLat, point.latitude);
    bounds.maxLat = Math.max(bounds.maxLat, point.latitude);
    bounds.minLon = Math.min(bounds.minLon, point.longitude);
    bounds.maxLon = Math.max(bounds.maxLon, point.longitude);
  };

  /** An equirectangular projection of the bounds, the same scale on both axes at their mid latitude. */
  const projection = () => {
    const area = bounds ?? { minLat: 0, maxLat: 0, minLon: 0, maxLon: 0 };
    const midLat = (area.minLat + area.maxLat) / 2;
    const shrink = Math.cos((midLat * Math.PI) / 180) || 1;
    const spanLon = Math.max((area.maxLon - area.minLon) * shrink, 0.004);
    const spanLat = Math.max(area.maxLat - area.minLat, 0.004);
    const scale = Math.min((WIDTH - 2 * PAD) / spanLon, (HEIGHT - 2 * PAD) / spanLat);
    const centerLon = (area.minLon + area.maxLon) / 2;
    return {
      /** @param {import('./model.js').Location} point */
      x: (point) => WIDTH / 2 + (point.longitude - centerLon) * shrink * scale,
      /** @param {import('./model.js').Location} point */
      y: (point) => HEIGHT / 2 - (point.latitude - midLat) * scale,
      scale,
      midLat,
      centerLon,
      shrink,
    };
  };

  /** Grid lines every round step of degrees, labelled, so that distances can be read. */
  const grid = (/** @type {ReturnType<typeof projection>} */ p) => {
    const degreesAcross = WIDTH / (p.scale * p.shrink);
    const step =
      [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5].find((s) => degreesAcross / s <= 8) ??
      10;
    const lines = [];
    const lonLeft = p.centerLon - degreesAcross / 2;
    for (let lon = Math.ceil(lonLeft / step) * step; lon < lonLeft + degreesAcross; lon += step) {
      const x = p.x({ latitude: p.midLat, longitude: lon });
      lines.push(svg('line', { x1: x, x2: x, y1: 0, y2: HEIGHT, class: 'grid' }));
      lines.push(svg('text', { x: x + 3, y: HEIGHT - 6, class: 'grid-label' }, `${lon.toFixed(3)}°`));
    }
    const degreesHigh = HEIGHT / p.scale;
    const latBottom = p.midLat - degreesHigh / 2;
    for (let lat = Math.ceil(latBottom / step) * step; lat < latBottom + degreesHigh; lat += step) {
      const y = p.y({ latitude: lat, longitude: p.centerLon });
      lines.push(svg('line', { x1: 0, x2: WIDTH, y1: y, y2: y, class: 'grid' }));
      lines.push(svg('text', { x: 4, y: y - 3, class: 'grid-label' }, `${lat.toFixed(3)}°`));
    }
    return lines;
  };

  function draw() {
    const drones = [...model.drones.values()];
    const deliveries = [...model.deliveries.values()]
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, MAX_DELIVERIES);
    for (const drone of drones) if (drone.location) include(drone.location);
    for (const delivery of deliveries) {
      if (delivery.pickup) include(delivery.pickup);
      if (delivery.dropoff) include(delivery.dropoff);
    }
    const p = projection();
    const chosen = selection.selected();
    const xy = (/** @type {import('./model.js').Location} */ point) =>
      `${p.x(point).toFixed(1)},${p.y(point).toFixed(1)}`;
    const routes = deliveries.map((delivery) => {
      const done = ['Completed', 'Cancelled', 'Failed'].includes(delivery.stage);
      const parts = [];
      if (delivery.pickup && delivery.dropoff) {
        parts.push(
          svg('polyline', { points: `${xy(delivery.pickup)} ${xy(delivery.dropoff)}`, class: 'planned' }),
        );
      }
      if (delivery.track.length > 1) {
        parts.push(svg('polyline', { points: delivery.track.map(xy).join(' '), class: 'flown' }));
      }
      if (delivery.pickup) {
        const x = p.x(delivery.pickup);
        const y = p.y(delivery.pickup);
        parts.push(
          svg(
            'rect',
            { x: x - 5, y: y - 5, width: 10, height: 10, class: 'pickup' },
            svg('title', {}, `Pickup of ${delivery.deliveryId}`),
          ),
        );
      }
      if (delivery.dropoff) {
        parts.push(
          svg(
            'circle',
            { cx: p.x(delivery.dropoff), cy: p.y(delivery.dropoff), r: 6, class: 'dropoff' },
            svg('title', {}, `Dropoff of ${delivery.deliveryId}`),
          ),
        );
      }
      return svg(
        'g',
        {
          class: `delivery${done ? ' done' : ''}${chosen === delivery.deliveryId ? ' chosen' : ''}`,
          'data-delivery-id': delivery.deliveryId,
          'data-stage': delivery.stage,
        },
        parts,
      );
    });
    const marks = drones
      .filter((drone) => drone.location)
      .map((drone) => {
        const location = /** @type {import('./model.js').Location} */ (drone.location);
        const battery = Math.max(0, Math.min(100, drone.batteryPercent ?? 0));
        return svg(
          'g',
          {
            class: `drone${drone.deliveryId && drone.deliveryId === chosen ? ' chosen' : ''}`,
            'data-drone-id': drone.droneId,
            'data-latitude': location.latitude,
            'data-longitude': location.longitude,
            'data-status': drone.status ?? '',
            transform: `translate(${p.x(location).toFixed(1)} ${p.y(location).toFixed(1)})`,
          },
          svg('title', {}, `${drone.droneId}: ${drone.status ?? 'unknown'}, battery ${Math.round(battery)}%`),
          svg('path', {
            d: 'M0,-9 L8,7 L0,3 L-8,7 Z',
            fill: STATUS_COLOURS[drone.status ?? ''] ?? '#4a5260',
            class: 'drone-mark',
          }),
          svg('rect', { x: -10, y: 10, width: 20, height: 4, class: 'battery-frame' }),
          svg('rect', {
            x: -10,
            y: 10,
            width: (20 * battery) / 100,
            height: 4,
            class: battery < 25 ? 'battery low' : 'battery',
          }),
          svg('text', { x: 11, y: -4, class: 'drone-label' }, drone.droneId),
        );
      });
    fill(
      drawing,
      svg('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: 'ground' }),
      grid(p),
      routes,
      marks,
    );
    const flying = drones.filter((drone) => drone.deliveryId).length;
    desc.textContent = `${drones.length} drones seen, ${flying} on a delivery; ${deliveries.length} deliveries drawn. The drones table below lists the same.`;
    fill(
      rows,
      drones
        .sort((a, b) => a.droneId.localeCompare(b.droneId))
        .map((drone) =>
          h(
            'tr',
            { 'data-drone-id': drone.droneId },
            h('th', { scope: 'row' }, drone.droneId),
            h('td', {}, drone.status ?? ''),
            h('td', {}, drone.batteryPercent === undefined ? '' : `${Math.round(drone.batteryPercent)}%`),
            h(
              'td',
              {},
              drone.location
                ? `${drone.location.latitude.toFixed(5)}, ${drone.location.longitude.toFixed(5)}`
                : '',
            ),
            h('td', {}, drone.deliveryId ?? ''),
            h('td', {}, clock(drone.updatedAt)),
          ),
        ),
    );
  }

  const redraw = throttle(draw, 250);
  model.subscribe(redraw);
  draw();
  return { redraw };
}
