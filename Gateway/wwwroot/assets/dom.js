// A small element builder: the app renders from its state with this, never with innerHTML, so no text from
// the server or another player is ever parsed as markup.

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * @param {string} tag
 * @param {Record<string, any>} [props] attributes; on* are listeners; class, for, checked, disabled, value are properties
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value == null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
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
