// The order story (admin view): the stored events of one order, or of one request, drawn as a timeline.
// One lane per domain (the event's producer), one row per event in occurredAt order, an SVG arrow from each
// event to the events it caused (metadata.causationId = the cause's eventId; an event caused by the HTTP
// request itself has causationId = correlationId and is drawn from a "request" marker) and, on each arrow,
// the time between the two events' occurredAt. The last event is marked: where a stuck order stopped.
//
// Data: `GET /admin/events` (admin only), every page of it. The API filters by exactly one of correlationId
// or aggregateId; an order's story is both: the events that name the order (aggregateId = orderId), and
// every event of each request they belong to (e.g. the StockLevelChanged of the products it reserved,
// whose aggregate is the product, not the order).

const SVG_NS = 'http://www.w3.org/2000/svg';
const PAGE_LIMIT = 100;
const MAX_PAGES = 50;
/** Lanes in saga order; any other producer gets a lane after these, alphabetically. */
const LANE_ORDER = ['orders', 'inventory', 'payments', 'catalog', 'customers', 'notifications'];
/** The events that settle an order: a story without one of them has not finished (or is stuck). */
const SETTLING = ['OrderConfirmed', 'OrderCancelled'];

// Geometry of the drawing (px).
const GUTTER = 112; // the time axis on the left
const REQUEST_LANE = 140;
const LANE_MIN = 212;
const LANE_MAX = 300;
const NODE_W = 184;
const NODE_H = 44;
const REQUEST_W = 120;
const HEADER = 52;
const PITCH = 76; // row to row, plus a little more for a long pause (PAUSE_PX_PER_MS, at most PAUSE_MAX)
const PAUSE_PX_PER_MS = 1 / 40;
const PAUSE_MAX = 56;
const FOOTER = 44;
const GAP_OFFSET = 9; // how far beside a node its arrows run down
const CORNER = 8;

/**
 * @typedef {{ by: 'order' | 'correlationId', value: string }} Lookup
 * @typedef {{
 *   eventId: string, type: string, version: number | undefined, domain: string, at: number,
 *   occurredAt: string, correlationId: string, causationId: string, data: any, depth?: number,
 * }} StoryEvent
 */

/** Reads `#/admin/story?order=…` or `#/admin/story?correlationId=…`; undefined for any other route. */
export function parseStoryRoute(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  if (path !== '/admin/story') return undefined;
  const query = new URLSearchParams(search);
  const order = query.get('order')?.trim();
  const correlationId = query.get('correlationId')?.trim();
  if (order) return { lookup: /** @type {Lookup} */ ({ by: 'order', value: order }) };
  if (correlationId) return { lookup: /** @type {Lookup} */ ({ by: 'correlationId', value: correlationId }) };
  return { lookup: undefined };
}

/** The address of a story, for links. */
export function storyHref(lookup) {
  const query = new URLSearchParams({ [lookup.by]: lookup.value });
  return `#/admin/story?${query}`;
}

// ------------------------------------------------------------------------------------------------- data

/** Every page of `GET /admin/events?<filter>=<value>`, following nextCursor to the end. */
async function allPages(api, filter, value) {
  const items = [];
  let cursor;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ [filter]: value, limit: String(PAGE_LIMIT) });
    if (cursor) query.set('cursor', cursor);
    const { body } = await api('GET', `/admin/events?${query}`, { auth: true });
    items.push(...(Array.isArray(body?.items) ? body.items : []));
    cursor = body?.nextCursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}

/** A stored bus event as the view needs it (metadata first; the EventBridge fields as a fallback). */
function toStoryEvent(stored) {
  const metadata = stored?.detail?.metadata ?? {};
  const occurredAt = metadata.occurredAt ?? stored.time ?? '';
  return {
    eventId: String(metadata.eventId ?? stored.id),
    type: String(metadata.eventType ?? stored['detail-type'] ?? 'unknown'),
    version: typeof metadata.eventVersion === 'number' ? metadata.eventVersion : undefined,
    domain: String(metadata.producer ?? String(stored.source ?? 'unknown').replace(/^commerce\./, '')),
    at: Date.parse(occurredAt),
    occurredAt,
    correlationId: String(metadata.correlationId ?? ''),
    causationId: String(metadata.causationId ?? ''),
    data: stored?.detail?.data,
  };
}

/**
 * The events of a lookup. An order: its own events (aggregateId), then every event of the requests those
 * belong to (correlationId); a correlation id: that request's events. Deduplicated by eventId.
 * @param {Lookup} lookup
 */
export async function fetchStory(api, lookup) {
  const byId = new Map();
  let complete = true;
  const add = (result) => {
    complete &&= result.complete;
    for (const stored of result.items) {
      const event = toStoryEvent(stored);
      if (!byId.has(event.eventId)) byId.set(event.eventId, event);
    }
  };
  if (lookup.by === 'correlationId') {
    add(await allPages(api, 'correlationId', lookup.value));
  } else {
    add(await allPages(api, 'aggregateId', lookup.value));
    const requests = [...new Set([...byId.values()].map((event) => event.correlationId).filter(Boolean))];
    for (const result of await Promise.all(requests.map((id) => allPages(api, 'correlationId', id)))) {
      add(result);
    }
  }
  return { events: [...byId.values()], complete };
}

// ----------------------------------------------------------------------------------------------- layout

/**
 * Orders the events and works out every event's cause. Causes first among events of the same instant
 * (clocks of different functions tick in milliseconds), then by eventId, as the API orders them.
 * @param {StoryEvent[]} events
 */
export function analyse(events) {
  const byId = new Map(events.map((event) => [event.eventId, event]));
  const correlationIds = new Set(events.map((event) => event.correlationId));
  const depthOf = (event, seen = new Set()) => {
    if (event.depth !== undefined) return event.depth;
    const cause = byId.get(event.causationId);
    const depth = cause && !seen.has(cause.eventId) ? depthOf(cause, seen.add(event.eventId)) + 1 : 0;
    event.depth = depth;
    return depth;
  };
  for (const event of events) depthOf(event);
  const sorted = [...events].sort(
    (a, b) =>
      (a.at || 0) - (b.at || 0) ||
      (a.depth ?? 0) - (b.depth ?? 0) ||
      (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
  /** @type {Map<string, { kind: 'event', cause: StoryEvent } | { kind: 'request', correlationId: string } | { kind: 'outside' }>} */
  const causes = new Map();
  for (const event of sorted) {
    const cause = byId.get(event.causationId);
    if (cause && cause !== event) causes.set(event.eventId, { kind: 'event', cause });
    else if (correlationIds.has(event.causationId)) {
      causes.set(event.eventId, { kind: 'request', correlationId: event.causationId });
    } else causes.set(event.eventId, { kind: 'outside' });
  }
  const present = new Set(sorted.map((event) => event.domain));
  const lanes = [
    ...LANE_ORDER.filter((domain) => present.has(domain)),
    ...[...present].filter((domain) => !LANE_ORDER.includes(domain)).sort(),
  ];
  const settling = sorted.filter((event) => SETTLING.includes(event.type)).at(-1);
  const isOrder = sorted.some((event) => event.type.startsWith('Order'));
  return { sorted, causes, lanes, settling, isOrder, stuck: isOrder && !settling, last: sorted.at(-1) };
}

// --------------------------------------------------------------------------------------------- drawing

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const numberFormat = new Intl.NumberFormat('en-US');

/** A duration: milliseconds up to 10 s, then seconds. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '?';
  const sign = ms < 0 ? '−' : '';
  const size = Math.abs(ms);
  if (size < 10_000) return `${sign}${numberFormat.format(Math.round(size))} ms`;
  if (size < 120_000) return `${sign}${(size / 1000).toFixed(1)} s`;
  return `${sign}${numberFormat.format(Math.round(size / 60_000))} min`;
}

function clock(at) {
  if (!Number.isFinite(at)) return '?';
  const date = new Date(at);
  const pad = (value, size = 2) => String(value).padStart(size, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

const short = (id) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);
const domainClass = (domain) => (LANE_ORDER.includes(domain) ? `domain-${domain}` : 'domain-other');

/** The SVG timeline of an analysed story; lanes widen to fill `available` px. */
function drawTimeline(story, available) {
  const { sorted, causes, lanes, last, stuck } = story;
  const requestIds = [
    ...new Set(
      sorted.flatMap((event) => {
        const cause = causes.get(event.eventId);
        return cause?.kind === 'request' ? [cause.correlationId] : [];
      }),
    ),
  ];
  const hasRequests = requestIds.length > 0;
  const laneLeft = GUTTER + (hasRequests ? REQUEST_LANE : 0);
  const laneWidth = Math.max(
    LANE_MIN,
    Math.min(LANE_MAX, Math.floor((available - laneLeft - 8) / lanes.length)),
  );
  const laneX = (domain) => laneLeft + lanes.indexOf(domain) * laneWidth + laneWidth / 2;
  const requestX = GUTTER + REQUEST_LANE / 2;
  const width = laneLeft + lanes.length * laneWidth + 8;

  // Rows: a request's marker just before the first event it caused, then the events in time order.
  /** @type {Array<{ kind: 'request', correlationId: string, at: number } | { kind: 'event', event: StoryEvent }>} */
  const rows = [];
  const placedRequests = new Set();
  for (const event of sorted) {
    const cause = causes.get(event.eventId);
    if (cause?.kind === 'request' && !placedRequests.has(cause.correlationId)) {
      placedRequests.add(cause.correlationId);
      rows.push({ kind: 'request', correlationId: cause.correlationId, at: event.at });
    }
    rows.push({ kind: 'event', event });
  }
  const start = sorted[0]?.at ?? 0;
  let y = HEADER + 20 + NODE_H / 2;
  let previousAt = start;
  const rowY = rows.map((row, index) => {
    const at = row.kind === 'event' ? row.event.at : row.at;
    if (index > 0) y += PITCH + Math.min(PAUSE_MAX, Math.max(0, (at - previousAt) * PAUSE_PX_PER_MS));
    previousAt = at;
    return y;
  });
  const height = y + NODE_H / 2 + FOOTER;
  /** Where each event and each request marker is drawn. */
  const position = new Map();
  rows.forEach((row, index) => {
    const key = row.kind === 'event' ? row.event.eventId : `request:${row.correlationId}`;
    const x = row.kind === 'event' ? laneX(row.event.domain) : requestX;
    position.set(key, { x, y: rowY[index] });
  });

  const root = svg('svg', {
    class: 'story-svg',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'story-svg-title',
  });
  root.append(
    svg(
      'title',
      { id: 'story-svg-title' },
      `Timeline of ${sorted.length} events in ${lanes.length} lanes; arrows run from cause to effect.`,
    ),
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'story-arrowhead',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'story-arrowhead' }),
      ),
    ),
  );

  // Lanes: a band, a title and a lifeline each.
  const laneGroup = svg('g', { class: 'story-lanes' });
  const laneSpecs = [
    ...(hasRequests ? [{ name: 'request', x: requestX, width: REQUEST_LANE }] : []),
    ...lanes.map((domain) => ({ name: domain, x: laneX(domain), width: laneWidth })),
  ];
  laneSpecs.forEach((lane, index) => {
    const count =
      lane.name === 'request'
        ? requestIds.length
        : sorted.filter((event) => event.domain === lane.name).length;
    laneGroup.append(
      svg(
        'g',
        {
          class: `story-lane ${lane.name === 'request' ? 'story-lane-request' : domainClass(lane.name)}`,
          'data-lane': lane.name,
        },
        svg('rect', {
          class: `story-lane-band${index % 2 ? ' odd' : ''}`,
          x: lane.x - lane.width / 2,
          y: 0,
          width: lane.width,
          height,
        }),
        svg('line', {
          class: 'story-lifeline',
          x1: lane.x,
          x2: lane.x,
          y1: HEADER,
          y2: height - FOOTER / 2,
        }),
        svg('rect', {
          class: 'story-lane-chip',
          x: lane.x - lane.width / 2 + 10,
          y: 12,
          width: lane.width - 20,
          height: 28,
          rx: 14,
        }),
        svg(
          'text',
          { class: 'story-lane-title', x: lane.x, y: 31, 'text-anchor': 'middle' },
          lane.name,
          svg('tspan', { class: 'story-lane-count' }, ` · ${count}`),
        ),
      ),
    );
  });
  root.append(laneGroup);

  // The time axis: elapsed since the first event, and the clock time.
  const axis = svg('g', { class: 'story-axis' });
  axis.append(svg('text', { class: 'story-axis-title', x: 12, y: 31 }, 'time'));
  rows.forEach((row, index) => {
    const rowTop = rowY[index];
    if (row.kind === 'request') {
      axis.append(svg('text', { class: 'story-axis-clock', x: 12, y: rowTop + 4 }, 'request'));
      return;
    }
    axis.append(
      svg(
        'text',
        { class: 'story-axis-elapsed', x: 12, y: rowTop - 3 },
        `+${formatMs(row.event.at - start)}`,
      ),
      svg('text', { class: 'story-axis-clock', x: 12, y: rowTop + 13 }, clock(row.event.at)),
      svg('line', { class: 'story-axis-tick', x1: GUTTER - 10, x2: GUTTER, y1: rowTop, y2: rowTop }),
    );
  });
  root.append(axis);

  // Arrows, under the nodes: cause → effect, with the hop time where the arrow arrives.
  const arrows = svg('g', { class: 'story-arrows' });
  const labels = svg('g', { class: 'story-hops' });
  for (const event of sorted) {
    const cause = causes.get(event.eventId);
    const to = position.get(event.eventId);
    if (!cause || !to) continue;
    if (cause.kind === 'outside') {
      // Caused by something that is not among these events (a timer, a command, an event not stored).
      arrows.append(
        svg('line', {
          class: 'story-stub',
          x1: to.x,
          x2: to.x,
          y1: to.y - NODE_H / 2 - 22,
          y2: to.y - NODE_H / 2 - 2,
          'data-to': event.eventId,
        }),
      );
      labels.append(
        svg(
          'text',
          { class: 'story-stub-label', x: to.x + 6, y: to.y - NODE_H / 2 - 10 },
          `caused by ${short(event.causationId)} (not stored here)`,
        ),
      );
      continue;
    }
    const fromKey = cause.kind === 'event' ? cause.cause.eventId : `request:${cause.correlationId}`;
    const from = position.get(fromKey);
    if (!from) continue;
    const fromHalfWidth = cause.kind === 'event' ? NODE_W / 2 : REQUEST_W / 2;
    // Elbow routing: out of the cause's side facing the effect, down the gap beside the cause's lane,
    // then across the effect's own row into its near side. Each row holds one node only, so the
    // horizontal run never crosses another node, and the vertical run stays between lanes.
    const rightward = to.x >= from.x;
    const side = rightward ? 1 : -1;
    const startX = from.x + side * fromHalfWidth;
    const gutterX = from.x + side * (fromHalfWidth + GAP_OFFSET);
    const entersLeft = to.x > from.x;
    const endX = to.x + (entersLeft ? -1 : 1) * (NODE_W / 2 + 1);
    const down = to.y >= from.y ? 1 : -1;
    const radius = Math.min(CORNER, Math.abs(to.y - from.y) / 2);
    const turn = entersLeft ? 1 : -1;
    const d = [
      `M ${startX} ${from.y}`,
      `H ${gutterX - side * radius}`,
      `Q ${gutterX} ${from.y} ${gutterX} ${from.y + down * radius}`,
      `V ${to.y - down * radius}`,
      `Q ${gutterX} ${to.y} ${gutterX + turn * radius} ${to.y}`,
      `H ${endX}`,
    ].join(' ');
    // The hop time sits just above the effect, at the corner where the arrow comes in.
    const labelAnchor = entersLeft ? 'start' : 'end';
    const labelX = to.x + (entersLeft ? -1 : 1) * (NODE_W / 2 - 2);
    const labelY = to.y - NODE_H / 2 - 8;
    const hop = cause.kind === 'event' ? event.at - cause.cause.at : undefined;
    const title =
      cause.kind === 'event'
        ? `${cause.cause.type} → ${event.type}: ${formatMs(hop ?? Number.NaN)}`
        : `The request ${cause.correlationId} → ${event.type}`;
    arrows.append(
      svg(
        'path',
        {
          class: `story-arrow${cause.kind === 'request' ? ' from-request' : ''}`,
          d,
          'marker-end': 'url(#story-arrowhead)',
          'data-from': cause.kind === 'event' ? cause.cause.eventId : 'request',
          'data-to': event.eventId,
          'data-hop-ms': hop === undefined ? undefined : String(hop),
        },
        svg('title', {}, title),
      ),
    );
    if (hop !== undefined) {
      const text = formatMs(hop);
      const textWidth = text.length * 6.6 + 10;
      labels.append(
        svg(
          'g',
          { class: 'story-hop', 'data-to': event.eventId },
          svg('rect', {
            x: labelAnchor === 'start' ? labelX - 4 : labelX - textWidth + 4,
            y: labelY - 11,
            width: textWidth,
            height: 15,
            rx: 7.5,
          }),
          svg(
            'text',
            { x: labelX + (labelAnchor === 'start' ? 1 : -1), y: labelY, 'text-anchor': labelAnchor },
            text,
          ),
        ),
      );
    }
  }
  root.append(arrows);

  // Request markers and event nodes.
  const nodes = svg('g', { class: 'story-nodes' });
  for (const correlationId of requestIds) {
    const at = position.get(`request:${correlationId}`);
    if (!at) continue;
    nodes.append(
      svg(
        'g',
        { class: 'story-request', 'data-correlation-id': correlationId },
        svg('title', {}, `HTTP request, correlation id ${correlationId}`),
        svg('rect', {
          x: at.x - REQUEST_W / 2,
          y: at.y - NODE_H / 2,
          width: REQUEST_W,
          height: NODE_H,
          rx: NODE_H / 2,
        }),
        svg(
          'text',
          { class: 'story-node-type', x: at.x, y: at.y - 3, 'text-anchor': 'middle' },
          'HTTP request',
        ),
        svg(
          'text',
          {
            class: 'story-node-sub',
            x: at.x,
            y: at.y + 13,
            'text-anchor': 'middle',
            'data-fit': REQUEST_W - 16,
          },
          short(correlationId),
        ),
      ),
    );
  }
  for (const event of sorted) {
    const at = position.get(event.eventId);
    if (!at) continue;
    const isLast = event === last;
    const cause = causes.get(event.eventId);
    const classes = [
      'story-event',
      domainClass(event.domain),
      event.type === 'OrderConfirmed' ? 'settled-ok' : '',
      event.type === 'OrderCancelled' ? 'settled-bad' : '',
      cause?.kind === 'outside' ? 'cause-outside' : '',
      isLast ? `story-last${stuck ? ' stuck' : ''}` : '',
    ].filter(Boolean);
    const reason = typeof event.data?.reason === 'string' ? event.data.reason : undefined;
    const group = svg(
      'g',
      {
        class: classes.join(' '),
        'data-event-id': event.eventId,
        'data-event-type': event.type,
        'data-lane': event.domain,
        'data-causation-id': event.causationId,
        'data-occurred-at': event.occurredAt,
        'data-last': isLast ? 'true' : undefined,
      },
      svg(
        'title',
        {},
        [
          `${event.type}${event.version ? ` v${event.version}` : ''} (${event.domain})`,
          `occurred at ${event.occurredAt}`,
          `event id ${event.eventId}`,
          `caused by ${event.causationId}`,
          `correlation id ${event.correlationId}`,
        ].join('\n'),
      ),
      svg('rect', {
        class: 'story-node',
        x: at.x - NODE_W / 2,
        y: at.y - NODE_H / 2,
        width: NODE_W,
        height: NODE_H,
        rx: 8,
      }),
      svg('rect', {
        class: 'story-node-bar',
        x: at.x - NODE_W / 2,
        y: at.y - NODE_H / 2,
        width: 6,
        height: NODE_H,
        rx: 3,
      }),
      svg(
        'text',
        { class: 'story-node-type', x: at.x - NODE_W / 2 + 16, y: at.y - 3, 'data-fit': NODE_W - 24 },
        event.type,
      ),
      svg(
        'text',
        { class: 'story-node-sub', x: at.x - NODE_W / 2 + 16, y: at.y + 13, 'data-fit': NODE_W - 24 },
        reason
          ? `${reason} · v${event.version ?? '?'}`
          : `v${event.version ?? '?'} · ${short(event.eventId)}`,
      ),
    );
    if (isLast) {
      const badge = stuck ? 'stopped here: last event' : 'last event';
      const badgeWidth = badge.length * 6.7 + 18;
      group.append(
        svg(
          'g',
          { class: 'story-last-badge' },
          svg('rect', {
            x: at.x - badgeWidth / 2,
            y: at.y + NODE_H / 2 + 7,
            width: badgeWidth,
            height: 20,
            rx: 10,
          }),
          svg('text', { x: at.x, y: at.y + NODE_H / 2 + 21, 'text-anchor': 'middle' }, badge),
        ),
      );
    }
    nodes.append(group);
  }
  root.append(nodes, labels);
  return root;
}

/** Squeezes the texts that would overflow their node (only measurable once the SVG is on the page). */
function fitTexts(root) {
  for (const text of root.querySelectorAll('text[data-fit]')) {
    const max = Number(text.getAttribute('data-fit'));
    const length = /** @type {SVGTextContentElement} */ (text).getComputedTextLength?.() ?? 0;
    if (max > 0 && length > max) {
      text.setAttribute('textLength', String(max));
      text.setAttribute('lengthAdjust', 'spacingAndGlyphs');
    }
  }
}

// ------------------------------------------------------------------------------------------------- view

/**
 * The story panel: `show(lookup)` fetches and draws, and reports through `#story[data-state]`:
 * loading, ready, empty or error.
 * @param {{ api: Function, describeError: Function, el: Function, fill: Function, body: HTMLElement,
 *   panel: HTMLElement, signedIn: () => boolean }} deps
 */
export function createStoryView({ api, describeError, el, fill, body, panel, signedIn }) {
  let generation = 0;

  /** `state`: idle, loading, ready, empty or error; `subject`: whose story (`order:<id>`, `correlationId:<id>`). */
  function setState(state, lookup) {
    panel.dataset.state = state;
    if (lookup) panel.dataset.subject = `${lookup.by}:${lookup.value}`;
    else delete panel.dataset.subject;
    if (state === 'loading') panel.setAttribute('aria-busy', 'true');
    else panel.removeAttribute('aria-busy');
  }

  function idle() {
    generation++;
    setState('idle');
    fill(
      body,
      el(
        'p',
        { className: 'muted' },
        'Enter an order id or a correlation id above. Orders placed on the Shop page link here.',
      ),
    );
  }

  function subject(lookup) {
    return lookup.by === 'order' ? `order ${lookup.value}` : `correlation id ${lookup.value}`;
  }

  /** @param {Lookup} lookup */
  async function show(lookup) {
    const mine = ++generation;
    setState('loading', lookup);
    fill(body, el('p', { className: 'muted' }, `Loading the events of ${subject(lookup)}…`));
    let result;
    try {
      result = await fetchStory(api, lookup);
    } catch (error) {
      if (mine !== generation) return;
      const problem = describeError(error);
      setState('error', lookup);
      fill(
        body,
        el(
          'div',
          { className: 'problem story-problem', role: 'alert', 'data-status': problem.status ?? '' },
          el(
            'div',
            { className: 'problem-head' },
            el('strong', { className: 'problem-title' }, problem.title),
            problem.status ? el('span', { className: 'problem-status' }, `HTTP ${problem.status}`) : null,
          ),
          el('p', { className: 'problem-context' }, `Loading the events of ${subject(lookup)}`),
          problem.detail ? el('p', { className: 'problem-detail' }, problem.detail) : null,
          problem.status === 401 || problem.status === 403
            ? el(
                'p',
                { className: 'problem-hint' },
                problem.status === 401 && !signedIn()
                  ? 'You are not signed in. '
                  : problem.status === 401
                    ? 'The token was refused (expired, or not from this stack’s issuer). '
                    : 'The token is not an admin’s. ',
                'Mint an admin token with ',
                el('code', { className: 'hint-command' }, 'npm run --silent token -- admin --admin'),
                ' and paste it under “Sign in”.',
              )
            : null,
          problem.correlationId
            ? el('p', { className: 'muted small' }, `Correlation id ${problem.correlationId}`)
            : null,
        ),
      );
      return;
    }
    if (mine !== generation) return;
    if (result.events.length === 0) {
      setState('empty', lookup);
      fill(
        body,
        el(
          'div',
          { className: 'story-empty', role: 'status' },
          el('strong', {}, 'No events'),
          el(
            'p',
            {},
            `The event store holds no events of ${subject(lookup)}. Check the id${
              lookup.by === 'order' ? ' (or look it up by correlation id instead)' : ''
            }; the store lags the bus by about a second, so a story that just began may need a reload.`,
          ),
        ),
      );
      return;
    }
    const story = analyse(result.events);
    const timeline = drawTimeline(story, body.clientWidth - 2);
    fill(
      body,
      summaryOf(story, lookup, result.complete),
      el('div', { className: 'story-scroll' }, timeline),
      el(
        'p',
        { className: 'story-legend muted small' },
        'Lanes are the producing domains; rows are events in the order they occurred. An arrow runs from ' +
          'an event to each event it caused (causation id); its number is the time between the two. ' +
          'Hover an event for its ids.',
      ),
      tableOf(story),
    );
    fitTexts(timeline);
    setState('ready', lookup);
  }

  function summaryOf(story, lookup, complete) {
    const { sorted, lanes, last, settling, isOrder: orderEvents } = story;
    const span = (last?.at ?? 0) - (sorted[0]?.at ?? 0);
    const requests = new Set(sorted.map((event) => event.correlationId)).size;
    let outcome = null;
    if (orderEvents) {
      const reason = typeof settling?.data?.reason === 'string' ? settling.data.reason : undefined;
      const status =
        settling?.type === 'OrderConfirmed'
          ? 'CONFIRMED'
          : settling?.type === 'OrderCancelled'
            ? 'CANCELLED'
            : 'NOT SETTLED';
      outcome = el(
        'span',
        {
          className: `status status-${status === 'NOT SETTLED' ? 'pending' : status.toLowerCase()}`,
          'data-outcome': status,
        },
        reason ? `${status} · ${reason}` : status,
      );
    }
    const lastText = last
      ? [
          'Last event: ',
          el('strong', {}, last.type),
          ` (${last.domain}) at ${clock(last.at)}`,
          settling || !orderEvents
            ? '.'
            : `: no OrderConfirmed or OrderCancelled, the story stops here${
                Date.now() > last.at ? ` (${formatMs(Date.now() - last.at)} ago)` : ''
              }.`,
        ]
      : [];
    return el(
      'div',
      { className: 'story-summary' },
      el(
        'div',
        { className: 'story-summary-head' },
        el('h3', {}, lookup.by === 'order' ? 'Order ' : 'Request ', el('code', {}, lookup.value)),
        outcome,
      ),
      el(
        'p',
        {},
        `${sorted.length} event${sorted.length === 1 ? '' : 's'} in ${lanes.length} domain${
          lanes.length === 1 ? '' : 's'
        } over ${formatMs(span)}, from ${requests} request${requests === 1 ? '' : 's'}. `,
        ...lastText,
      ),
      complete
        ? null
        : el('p', { className: 'order-note' }, `Only the first ${MAX_PAGES} pages of events are drawn.`),
    );
  }

  function tableOf(story) {
    const { sorted, causes } = story;
    const start = sorted[0]?.at ?? 0;
    return el(
      'details',
      { className: 'story-table' },
      el('summary', {}, `The ${sorted.length} events as a table`),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['Elapsed', 'Domain', 'Event', 'Caused by', 'Hop', 'Event id'].map((name) =>
              el('th', { scope: 'col' }, name),
            ),
          ),
        ),
        el(
          'tbody',
          {},
          sorted.map((event) => {
            const cause = causes.get(event.eventId);
            return el(
              'tr',
              { 'data-event-id': event.eventId },
              el('td', { className: 'num' }, `+${formatMs(event.at - start)}`),
              el('td', {}, event.domain),
              el('td', {}, `${event.type} v${event.version ?? '?'}`),
              el(
                'td',
                {},
                cause?.kind === 'event'
                  ? cause.cause.type
                  : cause?.kind === 'request'
                    ? 'the HTTP request'
                    : el('code', {}, event.causationId),
              ),
              el(
                'td',
                { className: 'num' },
                cause?.kind === 'event' ? formatMs(event.at - cause.cause.at) : '—',
              ),
              el('td', {}, el('code', {}, event.eventId)),
            );
          }),
        ),
      ),
    );
  }

  return { show, idle };
}
