// The room's and the session's statistics as SVG, drawn here (no chart library): each round's distribution, the
// movement from individual choices to the group's decision, and confidence per round. Every chart has a title and a
// description for screen readers; the numbers themselves are in a table beside it (main.js, screens/session-results.js).

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** A phone's width, as the stylesheet's narrow layout takes it. */
export const NARROW = window.matchMedia('(max-width: 30rem)');

/**
 * How wide the game's charts are drawn, in their own units. Their labels are 12 units high: drawn 600 wide and shrunk
 * into a phone's 330 pixels they were 6 pixels high, too small to read; a narrow screen gets a narrower drawing, and a
 * label stays about 12 pixels high. (The research page's charts are for a desk, and keep their width.)
 */
function gameChartWidth() {
  return NARROW.matches ? 360 : 600;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {(SVGElement | string)[]} [children]
 * @returns {SVGElement}
 */
function svg(tag, attributes = {}, children = []) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  for (const child of children) {
    element.append(child);
  }
  return element;
}

/**
 * An <svg role="img"> with a title and description.
 * @param {string} id
 * @param {number} width
 * @param {number} height
 * @param {string} title
 * @param {string} description
 */
function frame(id, width, height, title, description) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, id });
  root.append(svg('title', { id: `${id}-title` }, [title]), svg('desc', { id: `${id}-desc` }, [description]));
  return root;
}

/**
 * A chart with its title and description as a caption under it, for those who see it: the words are the ones the
 * chart's own <title> and <desc> hold for screen readers.
 * @param {SVGElement} chart
 */
export function figure(chart) {
  const title = chart.querySelector('title')?.textContent ?? '';
  const description = chart.querySelector('desc')?.textContent ?? '';
  return h('figure', {}, chart, h('figcaption', { class: 'hint' }, h('strong', {}, title), ' — ', description));
}

/**
 * The key to the charts' two colours: individual choices and the group's decision; and, where a chart marks the option
 * the group decided on among the individual bars, that mark.
 * @param {string} individual
 * @param {string} group
 * @param {string} [decided]
 */
export function legend(individual, group, decided) {
  return h('p', { class: 'hint' }, h('span', { class: 'legend-swatch individual', 'aria-hidden': 'true' }), ` ${individual}  `,
    h('span', { class: 'legend-swatch consensus', 'aria-hidden': 'true' }), ` ${group}`,
    decided ? ['  ', h('span', { class: 'legend-swatch decided', 'aria-hidden': 'true' }), ` ${decided}`] : null);
}

/**
 * Where each round's bars go: every round's options get slots of one width (the widest round's count sets it), centred
 * in the round's share of the width, with a gap between rounds. Bars were as wide as a round's option count allowed, so
 * they changed width from round to round, and neighbouring rounds' bars almost touched.
 * @param {number} left @param {number} width @param {number} roundCount @param {number} mostOptions
 */
function barSlots(left, width, roundCount, mostOptions) {
  const groupWidth = (width - left) / Math.max(1, roundCount);
  const gap = Math.min(28, groupWidth / 5);
  const slot = Math.min(48, (groupWidth - gap) / Math.max(1, mostOptions));
  return {
    slot,
    /** @param {number} r @param {number} options the round's x where its first option's slot starts, and its centre */
    start: (r, options) => {
      const centre = left + r * groupWidth + groupWidth / 2;
      return { x0: centre - (slot * options) / 2, centre };
    },
  };
}

/** Option letters, as the charts label options (A, B, C, D). */
export function optionLetter(/** @type {number} */ index) {
  return String.fromCharCode(65 + index);
}

/**
 * Bars: for each round, how many chose each option. The group's decision is the bar outlined, with a mark above it (a
 * decision nobody chose alone has no bar, and the mark still shows): drawn green, it read as a separate count of "group"
 * choices, as green is the group's colour in the legend.
 * @param {import('./api.js').RoundStatistics[]} rounds
 * @param {{ title: string, description: string, roundLabel: (round: number) => string }} text
 */
export function distributionChart(rounds, text) {
  const width = gameChartWidth();
  const height = 220;
  const left = 30;
  const bottom = 180;
  const unit = 45;
  const { slot, start } = barSlots(left, width, rounds.length, Math.max(1, ...rounds.map((round) => round.option_count)));
  const root = frame('chart-distribution', width, height, text.title, text.description);
  root.append(svg('line', { x1: left, y1: bottom, x2: width, y2: bottom, class: 'axis' }));
  for (let count = 0; count <= 3; count++) {
    root.append(svg('text', { x: left - 8, y: bottom - count * unit + 4, 'text-anchor': 'end' }, [String(count)]));
  }
  rounds.forEach((round, r) => {
    const { x0, centre } = start(r, round.option_count);
    round.distribution.forEach((count, option) => {
      const x = x0 + option * slot;
      const barHeight = count * unit;
      const decided = round.consensus_choice === option;
      // A fifth of the slot apart: a fixed 6 units left a phone's drawing (slots of 13) with bars half as wide as that.
      root.append(svg('rect', { x: x + slot * 0.1, y: bottom - barHeight, width: Math.max(2, slot * 0.8), height: barHeight, class: decided ? 'bar decided' : 'bar' }));
      if (decided) {
        const top = bottom - barHeight - 4;
        root.append(svg('path', { d: `M ${x + slot / 2 - 6} ${top - 8} L ${x + slot / 2 + 6} ${top - 8} L ${x + slot / 2} ${top} Z`, class: 'decided-mark' }));
      }
      root.append(svg('text', { x: x + slot / 2, y: bottom + 14, 'text-anchor': 'middle' }, [optionLetter(option)]));
    });
    root.append(svg('text', { x: centre, y: bottom + 32, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}

/**
 * Lines from each person's choice (left of each round) to the group's decision (right of it).
 * @param {import('./api.js').RoundStatistics[]} rounds
 * @param {{ title: string, description: string, roundLabel: (round: number) => string }} text
 */
export function movementChart(rounds, text) {
  const { root, columns, yOf } = movementFrame('chart-movement', rounds, text, (r) => rounds[r].option_count);
  rounds.forEach((round, r) => {
    const { xFrom, xTo } = columns(r);
    round.choices.forEach((choice, index) => {
      // Three people on one option would draw one line: spread them a little so each is seen.
      const spread = (index - 1) * 4;
      if (round.consensus_choice != null) {
        root.append(svg('path', { d: `M ${xFrom} ${yOf(choice.choice) + spread} L ${xTo} ${yOf(round.consensus_choice)}`, class: 'move' }));
      }
      root.append(svg('circle', { cx: xFrom, cy: yOf(choice.choice) + spread, r: 4, class: 'dot' }));
    });
    if (round.consensus_choice != null) {
      root.append(svg('circle', { cx: xTo, cy: yOf(round.consensus_choice), r: 6, class: 'dot consensus' }));
    }
  });
  return root;
}

/**
 * What both movement charts draw alike: each round's pair of columns (its choices at xFrom, its decision at xTo) with
 * the round's options lettered down the left of it, and the round's name under it. Rounds have two to four options:
 * lettered A–D once for the whole chart, a round of two showed C and D as if nobody had picked them.
 * @param {string} id
 * @param {{ round_number: number }[]} rounds
 * @param {ChartText} text
 * @param {(round: number) => number} optionCount how many options the round at that index has
 */
function movementFrame(id, rounds, text, optionCount) {
  const width = gameChartWidth();
  const height = 200;
  const left = 30;
  const top = 15;
  const step = 35;
  const groupWidth = (width - left) / Math.max(1, rounds.length);
  const root = frame(id, width, height, text.title, text.description);
  const columns = (/** @type {number} */ r) => {
    const xFrom = left + r * groupWidth + 12;
    return { xFrom, xTo: xFrom + groupWidth - 40 };
  };
  rounds.forEach((round, r) => {
    const { xFrom, xTo } = columns(r);
    for (let option = 0; option < optionCount(r); option++) {
      root.append(svg('text', { x: xFrom - 8, y: top + option * step + 4, 'text-anchor': 'end', class: 'option', 'data-round': round.round_number }, [optionLetter(option)]));
    }
    root.append(svg('text', { x: (xFrom + xTo) / 2, y: height - 12, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return { root, columns, yOf: (/** @type {number} */ option) => top + option * step };
}

/**
 * @typedef {{ title: string, description: string, roundLabel: (round: number) => string }} ChartText
 * @typedef {{ round_number: number, mean_confidence: number | null, consensus_confidence: number | null }} ConfidenceRound
 * @typedef {{ round_number: number, choices: number[], consensus: number[], movement: number[][] }} SessionRound
 */

/**
 * Mean individual confidence (solid) and the group's confidence (dashed), rounds 1–5, scale 1–5.
 * @param {ConfidenceRound[]} rounds
 * @param {ChartText} text
 * @param {string} [id]
 */
export function confidenceChart(rounds, text, id = 'chart-confidence') {
  const width = gameChartWidth();
  const height = 200;
  const left = 30;
  const top = 15;
  const bottom = 160;
  // The first and last rounds sit far enough in that their centred labels stay inside the picture.
  const firstX = left + 30;
  const stepX = (width - firstX - 40) / Math.max(1, rounds.length - 1);
  const xOf = (/** @type {number} */ i) => firstX + i * stepX;
  const yOf = (/** @type {number} */ value) => bottom - ((value - 1) / 4) * (bottom - top);
  const root = frame(id, width, height, text.title, text.description);
  for (let value = 1; value <= 5; value++) {
    root.append(svg('text', { x: left - 8, y: yOf(value) + 4, 'text-anchor': 'end' }, [String(value)]));
    root.append(svg('line', { x1: left, y1: yOf(value), x2: width - 20, y2: yOf(value), class: 'axis', 'stroke-opacity': 0.25 }));
  }
  /**
   * A line through the rounds that have a value, with a dot on each: a round between two without one still shows.
   * @param {(round: ConfidenceRound) => number | null} value
   * @param {string} lineClass
   * @param {string} dotClass
   */
  const series = (value, lineClass, dotClass) => {
    const points = rounds
      .map((round, i) => ({ x: xOf(i), y: value(round) }))
      .filter((point) => point.y != null)
      .map((point) => ({ x: point.x, y: yOf(/** @type {number} */ (point.y)) }));
    root.append(svg('path', { d: points.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' '), class: lineClass }));
    points.forEach((point) => root.append(dotClass === 'dot'
      ? svg('circle', { cx: point.x, cy: point.y, r: 3.5, class: dotClass })
      : svg('rect', { x: point.x - 6, y: point.y - 6, width: 12, height: 12, class: dotClass })));
  };
  // Where the two are equal the dashed line lay on the solid one and hid it: the group's is drawn first, wider and
  // paler, with hollow squares, so the solid line and its dots stay visible on top of it.
  series((round) => round.consensus_confidence, 'line-consensus', 'mark consensus');
  series((round) => round.mean_confidence, 'line-mean', 'dot');
  rounds.forEach((round, i) => {
    root.append(svg('text', { x: xOf(i), y: height - 12, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}

/** A count's share of a total in percent; 0 of nothing is 0. @param {number} count @param {number} total */
function shareOf(count, total) {
  return total === 0 ? 0 : (100 * count) / total;
}

/**
 * Across a session's rooms, per round and option, two bars in percent: the share of individual choices on it and the
 * share of the groups' decisions on it, so rooms of any number compare on one scale.
 * @param {SessionRound[]} rounds
 * @param {ChartText} text
 */
export function shareChart(rounds, text) {
  const width = gameChartWidth();
  const height = 230;
  const left = 40;
  const top = 10;
  const bottom = 180;
  const { slot, start } = barSlots(left, width, rounds.length, Math.max(1, ...rounds.map((round) => round.choices.length)));
  const yOf = (/** @type {number} */ share) => bottom - (share / 100) * (bottom - top);
  const root = frame('chart-session-shares', width, height, text.title, text.description);
  root.append(svg('line', { x1: left, y1: bottom, x2: width, y2: bottom, class: 'axis' }));
  for (const share of [0, 50, 100]) {
    root.append(svg('text', { x: left - 6, y: yOf(share) + 4, 'text-anchor': 'end' }, [`${share}%`]));
  }
  rounds.forEach((round, r) => {
    const { x0, centre } = start(r, round.choices.length);
    const optionWidth = slot;
    const chosen = round.choices.reduce((sum, count) => sum + count, 0);
    const agreed = round.consensus.reduce((sum, count) => sum + count, 0);
    round.choices.forEach((count, option) => {
      const x = x0 + option * optionWidth;
      const barWidth = Math.max(2, optionWidth / 2 - 2);
      const individual = shareOf(count, chosen);
      const group = shareOf(round.consensus[option] ?? 0, agreed);
      root.append(svg('rect', { x: x + 1, y: yOf(individual), width: barWidth, height: bottom - yOf(individual), class: 'bar' }));
      root.append(svg('rect', { x: x + 1 + barWidth, y: yOf(group), width: barWidth, height: bottom - yOf(group), class: 'bar consensus' }));
      root.append(svg('text', { x: x + optionWidth / 2, y: bottom + 14, 'text-anchor': 'middle' }, [optionLetter(option)]));
    });
    root.append(svg('text', { x: centre, y: bottom + 32, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}

/**
 * Across a session's rooms that agreed, per round: a line from each option chosen alone (left) to each option the
 * groups decided on (right), thicker the more choices took that way.
 * @param {SessionRound[]} rounds
 * @param {ChartText} text
 */
export function flowChart(rounds, text) {
  // A silo older than the movement figures sends none: no lines, rather than no page.
  const most = Math.max(1, ...rounds.flatMap((round) => (round.movement ?? []).flat()));
  const { root, columns, yOf } = movementFrame('chart-session-flow', rounds, text, (r) => rounds[r].choices.length);
  rounds.forEach((round, r) => {
    const { xFrom, xTo } = columns(r);
    (round.movement ?? []).forEach((row, from) => {
      row.forEach((count, to) => {
        if (count > 0) {
          // Five widths, as classes: the page's CSP allows no inline style, and a stylesheet's stroke-width would win over an attribute.
          root.append(svg('path', { d: `M ${xFrom} ${yOf(from)} L ${xTo} ${yOf(to)}`, class: `move weight-${Math.ceil((5 * count) / most)}` }));
        }
      });
      if (row.some((count) => count > 0)) {
        root.append(svg('circle', { cx: xFrom, cy: yOf(from), r: 4, class: 'dot' }));
      }
    });
    round.consensus.forEach((count, to) => {
      if (count > 0) {
        root.append(svg('circle', { cx: xTo, cy: yOf(to), r: 6, class: 'dot consensus' }));
      }
    });
  });
  return root;
}

/**
 * One bar a row, 0–100 %: a rate for each item (a topic, a role), its value written at the bar's end; an item without
 * a rate (nothing counted yet) shows a dash and no bar.
 * @param {{ label: string, value: number | null }[]} items
 * @param {string} id
 * @param {{ title: string, description: string }} text
 */
export function rateChart(items, id, text) {
  const width = 600;
  const rowHeight = 28;
  const labelWidth = 190;
  const barSpace = width - labelWidth - 60;
  const height = Math.max(1, items.length) * rowHeight + 24;
  const root = frame(id, width, height, text.title, text.description);
  root.append(svg('line', { x1: labelWidth, y1: 4, x2: labelWidth, y2: height - 20, class: 'axis' }));
  for (const share of [0, 50, 100]) {
    root.append(svg('text', { x: labelWidth + (share / 100) * barSpace, y: height - 6, 'text-anchor': 'middle' }, [`${share}%`]));
  }
  items.forEach((item, i) => {
    const y = 6 + i * rowHeight;
    // A long title is cut in the picture; the table under it has it whole.
    const label = item.label.length > 28 ? `${item.label.slice(0, 27)}…` : item.label;
    root.append(svg('text', { x: labelWidth - 8, y: y + 14, 'text-anchor': 'end' }, [label]));
    if (item.value == null) {
      root.append(svg('text', { x: labelWidth + 6, y: y + 14 }, ['–']));
      return;
    }
    const length = item.value * barSpace;
    root.append(svg('rect', { x: labelWidth, y, width: Math.max(1, length), height: rowHeight - 10, class: 'bar' }));
    root.append(svg('text', { x: labelWidth + length + 6, y: y + 14 }, [`${Math.round(item.value * 100)}%`]));
  });
  return root;
}
