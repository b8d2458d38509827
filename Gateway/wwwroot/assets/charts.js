// The room's statistics as SVG, drawn here (no chart library): each round's distribution, the movement from
// individual choices to the group's decision, and confidence per round. Every chart has a title and a
// description for screen readers; the numbers themselves are in a table beside it (see main.js).

const SVG = 'http://www.w3.org/2000/svg';

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

/** Option letters, as the charts label options (A, B, C, D). */
export function optionLetter(/** @type {number} */ index) {
  return String.fromCharCode(65 + index);
}

/**
 * Bars: for each round, how many chose each option; the group's decision in green.
 * @param {import('./api.js').RoundStatistics[]} rounds
 * @param {{ title: string, description: string, roundLabel: (round: number) => string }} text
 */
export function distributionChart(rounds, text) {
  const width = 600;
  const height = 220;
  const left = 30;
  const bottom = 180;
  const groupWidth = (width - left) / Math.max(1, rounds.length);
  const unit = 45;
  const root = frame('chart-distribution', width, height, text.title, text.description);
  root.append(svg('line', { x1: left, y1: bottom, x2: width, y2: bottom, class: 'axis' }));
  for (let count = 0; count <= 3; count++) {
    root.append(svg('text', { x: left - 8, y: bottom - count * unit + 4, 'text-anchor': 'end' }, [String(count)]));
  }
  rounds.forEach((round, r) => {
    const x0 = left + r * groupWidth + 8;
    const barWidth = (groupWidth - 16) / Math.max(1, round.option_count);
    round.distribution.forEach((count, option) => {
      const x = x0 + option * barWidth;
      const barHeight = count * unit;
      const isConsensus = round.consensus_choice === option;
      root.append(svg('rect', { x: x + 2, y: bottom - barHeight, width: Math.max(2, barWidth - 4), height: barHeight, class: isConsensus ? 'bar consensus' : 'bar' }));
      root.append(svg('text', { x: x + barWidth / 2, y: bottom + 14, 'text-anchor': 'middle' }, [optionLetter(option)]));
    });
    root.append(svg('text', { x: x0 + (groupWidth - 16) / 2, y: bottom + 32, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}

/**
 * Lines from each person's choice (left of each round) to the group's decision (right of it).
 * @param {import('./api.js').RoundStatistics[]} rounds
 * @param {{ title: string, description: string, roundLabel: (round: number) => string }} text
 */
export function movementChart(rounds, text) {
  const width = 600;
  const height = 200;
  const left = 30;
  const top = 15;
  const step = 35;
  const groupWidth = (width - left) / Math.max(1, rounds.length);
  const root = frame('chart-movement', width, height, text.title, text.description);
  for (let option = 0; option < 4; option++) {
    root.append(svg('text', { x: left - 8, y: top + option * step + 4, 'text-anchor': 'end' }, [optionLetter(option)]));
  }
  rounds.forEach((round, r) => {
    const xFrom = left + r * groupWidth + 12;
    const xTo = xFrom + groupWidth - 40;
    const yOf = (/** @type {number} */ option) => top + option * step;
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
    root.append(svg('text', { x: (xFrom + xTo) / 2, y: height - 12, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}

/**
 * Mean individual confidence (solid) and the group's confidence (dashed), rounds 1–5, scale 1–5.
 * @param {import('./api.js').RoundStatistics[]} rounds
 * @param {{ title: string, description: string, roundLabel: (round: number) => string }} text
 */
export function confidenceChart(rounds, text) {
  const width = 600;
  const height = 200;
  const left = 30;
  const top = 15;
  const bottom = 160;
  // The first and last rounds sit far enough in that their centred labels stay inside the picture.
  const firstX = left + 30;
  const stepX = (width - firstX - 40) / Math.max(1, rounds.length - 1);
  const xOf = (/** @type {number} */ i) => firstX + i * stepX;
  const yOf = (/** @type {number} */ value) => bottom - ((value - 1) / 4) * (bottom - top);
  const root = frame('chart-confidence', width, height, text.title, text.description);
  for (let value = 1; value <= 5; value++) {
    root.append(svg('text', { x: left - 8, y: yOf(value) + 4, 'text-anchor': 'end' }, [String(value)]));
    root.append(svg('line', { x1: left, y1: yOf(value), x2: width - 20, y2: yOf(value), class: 'axis', 'stroke-opacity': 0.25 }));
  }
  /**
   * A line through the rounds that have a value, with a dot on each: a round between two without one still shows.
   * @param {(round: import('./api.js').RoundStatistics) => number | null} value
   * @param {string} lineClass
   * @param {string} dotClass
   */
  const series = (value, lineClass, dotClass) => {
    const points = rounds
      .map((round, i) => ({ x: xOf(i), y: value(round) }))
      .filter((point) => point.y != null)
      .map((point) => ({ x: point.x, y: yOf(/** @type {number} */ (point.y)) }));
    root.append(svg('path', { d: points.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' '), class: lineClass }));
    points.forEach((point) => root.append(svg('circle', { cx: point.x, cy: point.y, r: 3.5, class: dotClass })));
  };
  series((round) => round.mean_confidence, 'line-mean', 'dot');
  series((round) => round.consensus_confidence, 'line-consensus', 'dot consensus');
  rounds.forEach((round, i) => {
    root.append(svg('text', { x: xOf(i), y: height - 12, 'text-anchor': 'middle' }, [text.roundLabel(round.round_number)]));
  });
  return root;
}
