// A small element builder: the app renders from its state with this, never with innerHTML, so no text from
// the server or another player is ever parsed as markup.

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Each element's listeners, by event type. An element listens through one shared dispatcher that looks its
 * handlers up here, so redrawing in place (morphChildren) can hand an element its new handlers.
 * @type {WeakMap<EventTarget, Record<string, (event: Event) => void>>}
 */
const listeners = new WeakMap();

/**
 * The control properties (value, checked, selected) an element was built with, even as null or false: those the
 * app holds in its state. A redraw sets those and leaves the others as the person left them (a title half typed).
 * @type {WeakMap<Element, Set<string>>}
 */
const controlled = new WeakMap();

/** @this {EventTarget} @param {Event} event */
function dispatch(event) {
  listeners.get(this)?.[event.type]?.call(this, event);
}

/**
 * @param {string} tag
 * @param {Record<string, any>} [props] attributes; on* are listeners; class, for, checked, disabled, value are properties;
 *   defaultChecked is the checked attribute (a starting state the app does not hold)
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  const held = Object.keys(props).filter((name) => name === 'value' || name === 'checked' || name === 'selected');
  if (held.length > 0) {
    controlled.set(element, new Set(held));
  }
  for (const [name, value] of Object.entries(props)) {
    if (value == null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      const handlers = listeners.get(element) ?? {};
      handlers[name.slice(2)] = value;
      listeners.set(element, handlers);
      element.addEventListener(name.slice(2), dispatch);
    } else if (name === 'defaultChecked') {
      // The attribute: what a box starts as, which a redraw leaves alone once the person has ticked another.
      element.setAttribute('checked', '');
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'for') {
      /** @type {HTMLLabelElement} */ (element).htmlFor = value;
    } else if (name === 'checked' || name === 'disabled' || name === 'value' || name === 'selected' || name === 'hidden') {
      /** @type {any} */ (element)[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) {
      element.append(typeof child === 'number' ? String(child) : child);
    }
  }
  return element;
}

/**
 * A choice among several as a group of radios whose words wrap: a select cannot wrap, and cut a long choice off on a
 * phone (320 px) or with wider text spacing (the reflow tests measure every option of a select).
 * @param {{ id: string, legend: string, name: string, items: { value: string, label: string, disabled?: boolean }[],
 *   checked?: string, onchange?: (event: Event) => void, describedBy?: string }} group checked is the value the app
 *   holds; left out, the first starts checked and a redraw leaves the person's pick as it is
 * @returns {HTMLElement}
 */
export function radioGroup({ id, legend, name, items, checked, onchange, describedBy }) {
  return h('fieldset', { id, 'aria-describedby': describedBy || null },
    h('legend', {}, legend),
    items.map((item, index) => h('label', { class: 'inline' },
      h('input', {
        type: 'radio',
        name,
        value: item.value,
        disabled: item.disabled ?? false,
        onchange,
        ...(checked === undefined ? { defaultChecked: index === 0 } : { checked: item.value === checked }),
      }),
      h('span', {}, item.label))));
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`#${id} is missing from index.html`);
  }
  return element;
}

/**
 * The element drawn in place of the one with this id (data-stands-for, a list of ids: the console's Resume for its
 * Pause, the rooms' table for the Start that opened them), so focus can follow a control that was drawn again as its
 * counterpart or gave way to what it brought.
 * @param {string} id
 * @returns {HTMLElement | null}
 */
export function standIn(id) {
  return document.querySelector(`[data-stands-for~="${CSS.escape(id)}"]`);
}

/**
 * Makes parent's children look and behave as the freshly built ones, keeping every element that is still the same
 * kind in the same place. Replacing the whole screen on each update (a peer connecting, a choice counted) swapped
 * the button under a pointer between its mousedown and mouseup, and the click was lost.
 * @param {Element} parent
 * @param {Node[]} fresh
 */
export function morphChildren(parent, fresh) {
  // An element with an id keeps its identity when siblings come and go around it (a notice shown when a seat
  // empties); the others are matched by position.
  const wanted = new Set(fresh.flatMap((node) => (node instanceof Element && node.id ? [node.id] : [])));
  fresh.forEach((next, index) => {
    let current = parent.childNodes[index];
    const id = next instanceof Element ? next.id : '';
    if (id && !(current instanceof Element && current.id === id)) {
      const keyed = laterChildWithId(parent, index, id);
      if (keyed) {
        parent.insertBefore(keyed, current ?? null);
        current = keyed;
      }
    }
    if (!current) {
      parent.append(next);
    } else if (sameKind(current, next)) {
      morph(current, next);
    } else if (current instanceof Element && wanted.has(current.id)) {
      parent.insertBefore(next, current);
    } else {
      current.replaceWith(next);
    }
  });
  while (parent.childNodes.length > fresh.length) {
    parent.lastChild?.remove();
  }
}

/** @param {Element} parent @param {number} from @param {string} id @returns {Element | undefined} */
function laterChildWithId(parent, from, id) {
  for (let index = from; index < parent.childNodes.length; index++) {
    const child = parent.childNodes[index];
    if (child instanceof Element && child.id === id) {
      return child;
    }
  }
  return undefined;
}

/** @param {Node} current @param {Node} next */
function sameKind(current, next) {
  if (current.nodeType !== next.nodeType || current.nodeName !== next.nodeName) {
    return false;
  }
  return !(current instanceof Element && next instanceof Element) || (current.namespaceURI === next.namespaceURI && current.id === next.id);
}

/** @param {Node} current @param {Node} next */
function morph(current, next) {
  if (!(current instanceof Element && next instanceof Element)) {
    if (current.nodeValue !== next.nodeValue) {
      current.nodeValue = next.nodeValue;
    }
    return;
  }
  for (const name of current.getAttributeNames()) {
    // A disclosure the reader opened stays open: the app draws them closed and never tracks the toggle.
    if (!next.hasAttribute(name) && !(name === 'open' && current instanceof HTMLDetailsElement)) {
      current.removeAttribute(name);
    }
  }
  for (const name of next.getAttributeNames()) {
    const value = next.getAttribute(name) ?? '';
    if (current.getAttribute(name) !== value) {
      current.setAttribute(name, value);
    }
  }
  const handlers = listeners.get(next);
  if (handlers) {
    listeners.set(current, handlers);
    for (const type of Object.keys(handlers)) {
      current.addEventListener(type, dispatch);
    }
  } else {
    listeners.delete(current);
  }
  morphChildren(current, [...next.childNodes]);
  // What a control shows lives in properties the attributes do not carry: the fresh element says what it should be
  // where the app holds it; elsewhere it stays as the person left it.
  const held = controlled.get(next);
  if (held) {
    controlled.set(current, held);
  } else {
    controlled.delete(current);
  }
  if (current instanceof HTMLInputElement && next instanceof HTMLInputElement) {
    if (held?.has('checked') && current.checked !== next.checked) {
      current.checked = next.checked;
    }
    if (held?.has('value') && current.type !== 'file' && current.value !== next.value) {
      current.value = next.value;
    }
  } else if (current instanceof HTMLTextAreaElement && next instanceof HTMLTextAreaElement) {
    if (held?.has('value') && current.value !== next.value) {
      current.value = next.value;
    }
  } else if (current instanceof HTMLOptionElement && next instanceof HTMLOptionElement) {
    if (held?.has('selected') && current.selected !== next.selected) {
      current.selected = next.selected;
    }
  }
}

/**
 * The keydown listener of an inline question (are you sure?): Escape answers No, as it would in a dialog.
 * @param {() => void} cancel
 * @returns {(event: Event) => void}
 */
export function onEscape(cancel) {
  return (event) => {
    if (event instanceof KeyboardEvent && event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  };
}

/**
 * Hands the file to the browser's download; the object URL is let go once the click has been taken.
 * @param {Blob} blob @param {string} file
 */
export function saveFile(blob, file) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: file, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
