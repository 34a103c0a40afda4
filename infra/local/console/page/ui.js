// @ts-check
// Small DOM helpers shared by the console's panels and handed to application plugins: elements built
// from data (never from HTML text, so nothing a message carries can become markup), panels with a
// heading and a navigation link, and times shown the same way everywhere.

/**
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Props
 * @typedef {Node | string | number | null | undefined | false | Child[]} Child
 */

/**
 * Creates an HTML element: `on*` props become listeners, `class` the class name, others attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  applyProps(element, props);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element with attributes.
 * @param {string} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function svg(tag, props = {}, ...children) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  applyProps(element, props);
  append(element, children);
  return element;
}

/**
 * @param {Element} element
 * @param {Props} props
 */
function applyProps(element, props) {
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.setAttribute('class', String(value));
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * Appends children, lists of them at any depth included.
 * @param {Element} element
 * @param {unknown[]} children
 */
function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * A panel: a labelled section with a heading, listed in the page's navigation.
 * @param {{ id: string, title: string, description?: string, wide?: boolean }} options
 * @returns {{ section: HTMLElement, body: HTMLElement }}
 */
export function panel(options) {
  const headingId = `${options.id}-title`;
  const body = h('div', { class: 'panel-body' });
  const section = h(
    'section',
    {
      id: options.id,
      class: options.wide ? 'panel wide' : 'panel',
      'aria-labelledby': headingId,
      tabindex: -1,
    },
    h('h2', { id: headingId }, options.title),
    options.description ? h('p', { class: 'panel-description' }, options.description) : null,
    body,
  );
  const links = document.getElementById('panel-links');
  links?.append(h('li', {}, h('a', { href: `#${options.id}` }, options.title)));
  return { section, body };
}

/**
 * Says something to screen reader users without moving their focus.
 * @param {string} text
 */
export function announce(text) {
  const announcer = document.getElementById('announcer');
  if (!announcer) return;
  // Emptied first so that the same text said twice is said again.
  announcer.textContent = '';
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

/**
 * A time as hours, minutes and seconds in the viewer's zone; the ISO text when it is not a time.
 * @param {string | number | undefined} value
 */
export function clock(value) {
  if (value === undefined || value === '') return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * A duration in seconds as `42 s`, `3 min 5 s` or `2 h 4 min`.
 * @param {number | undefined} seconds
 */
export function duration(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/**
 * Runs `work` at most once per `ms`, at the end of a burst of calls.
 * @param {() => void} work
 * @param {number} ms
 * @returns {() => void}
 */
export function throttle(work, ms) {
  /** @type {number | undefined} */
  let timer;
  return () => {
    if (timer !== undefined) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      work();
    }, ms);
  };
}
