// The web client: lists products, signs in with a pasted dev token, places orders and follows them until
// they settle; for admins, draws an order's story from the event store (story.js). Plain ES modules, no
// build step, no framework; every API answer is read as the public contract (docs/API.md) describes it,
// errors as RFC 9457 problem+json.
//
// Views, by the address's hash: `#/` the shop; `#/admin/story?order=<id>` or `?correlationId=<id>` the
// order story.
//
// Where the API is: `?api=<base url>` in this page's address, else `apiBase` from `/config.js` (generated
// by scripts/local-cloud/static-site.mjs), else port 3000 on this page's host.

import { createStoryView, parseStoryRoute, storyHref } from './story.js';

const TOKEN_KEY = 'commerce.token';
const POLL_INTERVAL_MS = 500;
const POLL_GIVE_UP_MS = 5 * 60_000;
const PAGE_SIZE = 50;
const AVAILABILITY_SETTLE_MS = 1500;
/** Why an order was cancelled (docs/API.md, "Order lifecycle"), in words. */
const REASONS = {
  OUT_OF_STOCK: 'not enough stock',
  PAYMENT_DECLINED: 'the payment was declined',
  PAYMENT_UNAVAILABLE: 'the payment provider could not be reached',
  CANCELLED_BY_CUSTOMER: 'cancelled by the customer',
  TIMEOUT: 'not completed in time',
};

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  apiBase: '',
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  /** @type {Map<string, any>} */ products: new Map(),
  /** @type {string | null} */ nextCursor: null,
  /** The last order request that got no answer: retrying the same body reuses its Idempotency-Key. */
  /** @type {{ body: string, key: string } | undefined} */ unanswered: undefined,
  /** @type {ReturnType<typeof createStoryView> | undefined} */ story: undefined,
};

// ---------------------------------------------------------------------------------------------- helpers

class ApiError extends Error {
  /** @param {number} status @param {any} problem */
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

class NetworkError extends Error {}

function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Money is `{ amount: <minor units>, currency }`: the currency decides how many minor units make one. */
function formatMoney(money) {
  if (!money || typeof money.amount !== 'number') return '—';
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency });
    return format.format(money.amount / 10 ** format.resolvedOptions().maximumFractionDigits);
  } catch {
    return `${money.amount} ${money.currency} (minor units)`;
  }
}

/** Replaces an element's children, skipping empty ones (`cond ? node : null`). */
function fill(parent, ...children) {
  parent.replaceChildren(
    ...children.flat().filter((child) => child !== undefined && child !== null && child !== false),
  );
}

/** Creates an element with text content and attributes; never parses HTML. */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function decodeToken(token) {
  const [, payload] = token.split('.');
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return typeof claims === 'object' && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

function resolveApiBase(configured) {
  const fromQuery = new URLSearchParams(window.location.search).get('api');
  const candidate =
    fromQuery || configured || `${window.location.protocol}//${window.location.hostname}:3000`;
  const url = new URL(candidate);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Not an HTTP URL: ${candidate}`);
  return url.href.replace(/\/+$/, '');
}

// -------------------------------------------------------------------------------------------------- API

/**
 * Calls the API. Resolves with `{ status, body, headers }` for 2xx; rejects with ApiError (any other
 * status, body kept as the problem) or NetworkError (no answer at all: API down, or CORS refused).
 */
async function api(method, path, { body, headers = {}, auth = false } = {}) {
  const requestHeaders = { accept: 'application/json, application/problem+json', ...headers };
  if (auth && state.token) requestHeaders.authorization = `Bearer ${state.token}`;
  if (body !== undefined) requestHeaders['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`${state.apiBase}${path}`, {
      method,
      headers: requestHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new NetworkError(
      `${method} ${state.apiBase}${path} got no answer (${error instanceof Error ? error.message : error}). ` +
        'Is the API running, and does it allow this page’s origin (CORS)?',
    );
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { status: response.status, body: parsed, headers: response.headers };
}

// ------------------------------------------------------------------------------------------------ errors

/** Normalizes anything thrown into `{ title, status?, detail, errors, correlationId? }`. */
function describeError(error) {
  if (error instanceof ApiError) {
    const problem = error.problem;
    if (problem && typeof problem === 'object' && 'title' in problem) {
      return {
        title: problem.title,
        status: problem.status ?? error.status,
        detail: problem.detail,
        errors: Array.isArray(problem.errors) ? problem.errors : [],
        correlationId: problem.correlationId,
      };
    }
    // Not a problem document (e.g. the gateway's own 401): show what it says.
    return {
      title: problem?.error ?? `Request failed`,
      status: error.status,
      detail: problem?.message ?? (typeof problem === 'string' ? problem : ''),
      errors: [],
    };
  }
  if (error instanceof NetworkError) {
    return { title: 'Cannot reach the API', detail: error.message, errors: [] };
  }
  return { title: 'Something went wrong', detail: error?.message ?? String(error), errors: [] };
}

function showError(error, context) {
  const problem = describeError(error);
  const box = $('error');
  fill(
    box,
    el(
      'div',
      { className: 'problem-head' },
      el('strong', { className: 'problem-title' }, problem.title),
      problem.status ? el('span', { className: 'problem-status' }, `HTTP ${problem.status}`) : null,
      el('button', { type: 'button', className: 'link dismiss', 'aria-label': 'Dismiss the error' }, '×'),
    ),
    context ? el('p', { className: 'problem-context' }, context) : null,
    problem.detail ? el('p', { className: 'problem-detail' }, problem.detail) : null,
    problem.errors.length
      ? el(
          'ul',
          { className: 'problem-errors' },
          problem.errors.map((fieldError) =>
            el('li', {}, el('code', {}, fieldError.path ?? '(body)'), ' ', fieldError.message ?? ''),
          ),
        )
      : null,
    problem.correlationId
      ? el('p', { className: 'muted small' }, `Correlation id ${problem.correlationId}`)
      : null,
  );
  box.querySelector('.dismiss')?.addEventListener('click', clearError);
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
}

// ---------------------------------------------------------------------------------------------- products

/** Loads the first page (or the next one); a quiet reload (after an order settles) does not flash the table. */
async function loadProducts({ append = false, quiet = false } = {}) {
  const table = $('products');
  if (!quiet) {
    table.setAttribute('aria-busy', 'true');
    $('products-status').textContent = 'Loading products…';
  }
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (append && state.nextCursor) query.set('cursor', state.nextCursor);
    const { body } = await api('GET', `/products?${query}`);
    if (!append) state.products.clear();
    for (const product of body.items) state.products.set(product.productId, product);
    state.nextCursor = body.nextCursor ?? null;
    renderProducts();
  } catch (error) {
    if (quiet) return; // the listing on screen stays; the next refresh will tell
    $('products-status').textContent = 'The products could not be loaded.';
    showError(error, 'Loading the products');
  } finally {
    if (!quiet) table.removeAttribute('aria-busy');
  }
}

function renderProducts() {
  const rows = [...state.products.values()].map((product) =>
    el(
      'tr',
      { 'data-product-id': product.productId },
      el(
        'td',
        {},
        el('span', { className: 'product-name' }, product.name),
        el('span', { className: 'product-id muted' }, product.productId),
      ),
      el('td', { className: 'num price' }, formatMoney(product.price)),
      el(
        'td',
        { className: `num available${product.available > 0 ? '' : ' none'}` },
        String(product.available ?? 0),
      ),
      el(
        'td',
        { className: 'action' },
        el(
          'button',
          {
            type: 'button',
            className: 'secondary small choose',
            'data-product-id': product.productId,
            'aria-label': `Order ${product.name}`,
          },
          'Order',
        ),
      ),
    ),
  );
  $('products')
    .querySelector('tbody')
    ?.replaceChildren(...rows);
  $('products-status').textContent = state.products.size
    ? `${state.products.size} product${state.products.size === 1 ? '' : 's'}${state.nextCursor ? ', more available' : ''}.`
    : 'No products yet.';
  $('more-products').hidden = !state.nextCursor;

  const select = /** @type {HTMLSelectElement} */ ($('order-product'));
  const selected = select.value;
  select.replaceChildren(
    ...[...state.products.values()].map((product) =>
      el('option', { value: product.productId }, `${product.name} — ${formatMoney(product.price)}`),
    ),
  );
  if (selected && state.products.has(selected)) select.value = selected;
}

// ---------------------------------------------------------------------------------------------- sign in

function renderSession() {
  const claims = state.token ? decodeToken(state.token) : undefined;
  $('signed-out').hidden = Boolean(state.token);
  $('signed-in').hidden = !state.token;
  if (state.token) {
    const groups = claims?.['cognito:groups'];
    $('who').textContent =
      `${claims?.sub ?? 'unknown user'}${Array.isArray(groups) && groups.length ? ` (${groups.join(', ')})` : ''}`;
    const expiry = typeof claims?.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
    $('token-expiry').textContent = expiry
      ? `${expiry.getTime() < Date.now() ? 'Token expired' : 'Token valid until'} ${expiry.toLocaleTimeString()}`
      : '';
  }
  $('order-hint').hidden = Boolean(state.token);
  /** @type {HTMLButtonElement} */ ($('place-order')).disabled = !state.token;
}

function signIn(event) {
  event.preventDefault();
  clearError();
  const input = /** @type {HTMLTextAreaElement} */ ($('token'));
  const token = input.value.trim().replace(/^Bearer\s+/i, '');
  if (!decodeToken(token)) {
    showError(new Error('That is not a JWT: paste the whole output of the command above.'), 'Signing in');
    input.focus();
    return;
  }
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  renderSession();
  if (parseStoryRoute(window.location.hash)?.lookup) route(); // the story, as this token may see it
}

function signOut() {
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  renderSession();
  if (parseStoryRoute(window.location.hash)?.lookup) route();
  $('token').focus();
}

// ----------------------------------------------------------------------------------------------- orders

async function placeOrder(event) {
  event.preventDefault();
  clearError();
  if (!state.token) {
    showError(new Error('Sign in first: paste a token in the “Sign in” box.'), 'Placing the order');
    return;
  }
  const form = /** @type {HTMLFormElement} */ ($('order-form'));
  const data = new FormData(form);
  const quantityText = String(data.get('quantity') ?? '').trim();
  const order = {
    items: [
      {
        productId: String(data.get('productId') ?? ''),
        quantity: quantityText === '' ? null : Number(quantityText),
      },
    ],
    paymentToken: String(data.get('paymentToken') ?? ''),
  };
  const body = JSON.stringify(order);
  // A retry of a request that got no answer must reuse its key; anything that was answered gets a new one.
  const idempotencyKey = state.unanswered?.body === body ? state.unanswered.key : uuid();
  const correlationId = `web-${uuid()}`;
  const button = /** @type {HTMLButtonElement} */ ($('place-order'));
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const placed = await api('POST', '/orders', {
      auth: true,
      body: order,
      headers: { 'idempotency-key': idempotencyKey, 'x-correlation-id': correlationId },
    });
    state.unanswered = undefined;
    followOrder({
      ...placed.body,
      items: order.items,
      correlationId: placed.headers.get('x-correlation-id') ?? correlationId,
    });
  } catch (error) {
    state.unanswered = error instanceof NetworkError ? { body, key: idempotencyKey } : undefined;
    showError(error, 'Placing the order');
  } finally {
    button.disabled = !state.token;
    button.removeAttribute('aria-busy');
  }
}

function followOrder(order) {
  $('orders-empty').hidden = true;
  const card = el('li', { className: 'order', 'data-order-id': order.orderId });
  $('orders').prepend(card);
  renderOrder(card, order);
  const startedAt = Date.now();

  const poll = async () => {
    let current = order;
    try {
      current = (await api('GET', `/orders/${encodeURIComponent(order.orderId)}`, { auth: true })).body;
      order = { ...order, ...current };
      renderOrder(card, order);
    } catch (error) {
      const { title, detail } = describeError(error);
      const fatal = error instanceof ApiError && error.status < 500;
      renderOrder(
        card,
        order,
        `${fatal ? 'Stopped following' : 'Retrying'}: ${title}${detail ? ` — ${detail}` : ''}`,
      );
      if (fatal) return;
    }
    if (order.status !== 'PENDING') {
      // Availability changed; the catalog projects it from inventory events, so look again a bit later too.
      loadProducts({ quiet: true });
      setTimeout(() => loadProducts({ quiet: true }), AVAILABILITY_SETTLE_MS);
      return;
    }
    if (Date.now() - startedAt > POLL_GIVE_UP_MS) {
      renderOrder(card, order, 'Still pending after 5 minutes: no longer following it.');
      return;
    }
    setTimeout(poll, POLL_INTERVAL_MS);
  };
  setTimeout(poll, POLL_INTERVAL_MS);
}

function renderOrder(card, order, note) {
  const status = order.status ?? 'PENDING';
  card.dataset.status = status;
  const lines = (order.items ?? []).map((item) => {
    const product = state.products.get(item.productId);
    return el(
      'li',
      {},
      `${item.quantity} × ${product?.name ?? item.productId}`,
      item.unitPrice ? el('span', { className: 'muted' }, ` at ${formatMoney(item.unitPrice)}`) : null,
    );
  });
  fill(
    card,
    el(
      'div',
      { className: 'order-head' },
      el(
        'h3',
        { className: 'order-title' },
        'Order ',
        el('span', { className: 'short-id' }, order.orderId.slice(0, 8)),
      ),
      el(
        'span',
        { className: `status status-${status.toLowerCase()}`, 'data-status': status },
        status === 'PENDING' ? el('span', { className: 'spinner', 'aria-hidden': 'true' }) : null,
        status,
      ),
    ),
    el('ul', { className: 'order-lines' }, lines),
    el(
      'p',
      { className: 'order-meta' },
      order.total ? el('span', {}, 'Total ', el('strong', {}, formatMoney(order.total))) : null,
      order.reason
        ? el(
            'span',
            { className: 'reason', 'data-reason': order.reason },
            `Reason: ${order.reason}`,
            REASONS[order.reason]
              ? el('span', { className: 'reason-text' }, ` — ${REASONS[order.reason]}`)
              : null,
          )
        : null,
    ),
    note ? el('p', { className: 'order-note', role: 'status' }, note) : null,
    el(
      'dl',
      { className: 'order-ids' },
      el('dt', {}, 'Order id'),
      el('dd', {}, el('code', {}, order.orderId)),
      el('dt', {}, 'Correlation id'),
      el('dd', {}, el('code', {}, order.correlationId)),
      el('dt', {}, 'Events'),
      el(
        'dd',
        {},
        el('a', { href: storyHref({ by: 'order', value: order.orderId }) }, 'Order story (admin)'),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------------------ views

/** Shows the view the address names; the sign-in card moves along, since both views need it. */
function route() {
  const story = parseStoryRoute(window.location.hash);
  const view = story ? 'story' : 'shop';
  $('shop-view').hidden = view !== 'shop';
  $('story-view').hidden = view !== 'story';
  for (const link of document.querySelectorAll('.site-nav a')) {
    if (link.getAttribute('data-route') === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const signin = $('signin-card');
  const home = view === 'story' ? $('story-side') : document.querySelector('#shop-view .side');
  if (home && signin.parentElement !== home) home.prepend(signin);
  $('token-kind').textContent = view === 'story' ? 'an admin' : 'a customer';
  $('token-command').textContent =
    view === 'story' ? 'npm run --silent token -- admin --admin' : 'npm run --silent token -- alice';
  document.title = view === 'story' ? 'Order story — Commerce web client' : 'Commerce — web client';
  if (!story) return;
  const by = /** @type {HTMLSelectElement} */ ($('story-by'));
  const id = /** @type {HTMLInputElement} */ ($('story-id'));
  if (story.lookup) {
    by.value = story.lookup.by;
    id.value = story.lookup.value;
    state.story?.show(story.lookup);
  } else {
    state.story?.idle();
  }
}

function lookUpStory(event) {
  event.preventDefault();
  const by =
    /** @type {HTMLSelectElement} */ ($('story-by')).value === 'correlationId' ? 'correlationId' : 'order';
  const value = /** @type {HTMLInputElement} */ ($('story-id')).value.trim();
  if (!value) return;
  const href = storyHref({ by, value });
  // The same address again (a reload of the story) does not fire hashchange: route by hand.
  if (window.location.hash === href) route();
  else window.location.hash = href;
}

// ------------------------------------------------------------------------------------------------- boot

function chooseProduct(event) {
  const button = /** @type {HTMLElement} */ (event.target).closest('button.choose');
  if (!button) return;
  const select = /** @type {HTMLSelectElement} */ ($('order-product'));
  select.value = button.getAttribute('data-product-id') ?? '';
  $('order-quantity').focus();
}

async function boot() {
  let configured;
  try {
    ({ apiBase: configured } = await import('./config.js'));
  } catch {
    // served by something other than static-site.mjs: fall back to ?api= or port 3000
  }
  try {
    state.apiBase = resolveApiBase(configured);
  } catch (error) {
    showError(error, 'Reading the API address');
    return;
  }
  $('api-base').textContent = state.apiBase;
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('order-form').addEventListener('submit', placeOrder);
  $('refresh-products').addEventListener('click', () => {
    clearError();
    loadProducts();
  });
  $('more-products').addEventListener('click', () => loadProducts({ append: true }));
  $('products').addEventListener('click', chooseProduct);
  $('story-form').addEventListener('submit', lookUpStory);
  state.story = createStoryView({
    api,
    describeError,
    el,
    fill,
    body: $('story-body'),
    panel: $('story'),
    signedIn: () => Boolean(state.token),
  });
  window.addEventListener('hashchange', route);
  renderSession();
  route();
  await loadProducts();
  document.body.dataset.ready = 'true';
}

boot();
