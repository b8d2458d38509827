// A session's results in the facilitator console (GET /sessions/{code}/results): across its rooms, each round's
// choices and decisions as shares, how individual choices went into the decisions, and sureness, as charts, with
// every number in tables a click away. Rounds no room has closed yet are left out.

import { confidenceChart, figure, flowChart, legend, optionLetter, shareChart } from '../charts.js';
import { h } from '../dom.js';
import { addStrings, counted, number, percent, pick, t } from '../i18n.js';

addStrings({
  en: {
    'results.title': 'Results across the rooms',
    'results.summary': '{rooms}; {rounds}.',
    'results.rooms.one': '{finished} of {total} room finished',
    'results.rooms.other': '{finished} of {total} rooms finished',
    'results.rounds.one': '{closed} round closed',
    'results.rounds.other': '{closed} rounds closed',
    'results.none': 'No round has closed in any room yet.',
    'results.refresh': 'Refresh the results',
    'results.shares': 'Choices and decisions per round',
    'results.sharesDesc': 'For each option, blue: its share of everyone\'s own choices; green: its share of the groups\' decisions.',
    'results.flow': 'From individual choices to the groups\' decisions',
    'results.flowDesc': 'In the rooms that agreed, lines from the options people chose (left) to the options their groups decided on (right); thicker lines carry more choices.',
    'results.confidence': 'Sureness per round',
    'results.confidenceDesc': 'Solid line with dots: the average sureness of individual choices; wider dashed line with squares: the average sureness of the groups\' decisions.',
    'results.optionsCaption': 'Choices and decisions by option',
    'results.roundsCaption': 'Rounds across the rooms',
    'results.chose': 'Chose it',
    'results.decided': 'Groups that decided on it',
    'results.closed': 'Rooms closed',
    'results.agreed': 'Agreed',
    'results.rate': 'Agreement rate',
    'results.timedOut': 'Timed out',
    'results.absent': 'Absent',
    'results.bots': 'Bot choices',
    'results.from': 'Chosen alone',
    'results.to': 'Decided by the group',
    'results.choices': 'Choices',
  },
  ko: {
    'results.title': '방 전체의 결과',
    'results.summary': '{rooms}, {rounds}.',
    'results.rooms.other': '방 {total}개 중 {finished}개 끝남',
    'results.rounds.other': '라운드 {closed}개 마감',
    'results.none': '아직 어느 방에서도 마감된 라운드가 없습니다.',
    'results.refresh': '결과 새로 고침',
    'results.shares': '라운드별 선택과 결정',
    'results.sharesDesc': '선택지마다 파란색: 개인 선택 가운데 차지한 비율, 초록색: 모둠 결정 가운데 차지한 비율.',
    'results.flow': '개인 선택에서 모둠 결정으로',
    'results.flowDesc': '합의한 방에서 사람들이 고른 선택지(왼쪽)로부터 모둠이 정한 선택지(오른쪽)로 이어지는 선, 굵을수록 더 많은 선택입니다.',
    'results.confidence': '라운드별 확신',
    'results.confidenceDesc': '점이 있는 실선: 개인 선택 확신의 평균, 네모가 있는 굵은 점선: 모둠 결정 확신의 평균.',
    'results.optionsCaption': '선택지별 선택과 결정',
    'results.roundsCaption': '방 전체의 라운드',
    'results.chose': '고른 사람',
    'results.decided': '그것으로 정한 모둠',
    'results.closed': '마감된 방',
    'results.agreed': '합의',
    'results.rate': '합의율',
    'results.timedOut': '시간 초과',
    'results.absent': '불참',
    'results.bots': '봇 선택',
    'results.from': '혼자 고른 것',
    'results.to': '모둠이 정한 것',
    'results.choices': '선택 수',
  },
});

/**
 * @typedef {{ round_number: number, choices: number[], consensus: number[], rooms_closed: number, rooms_with_consensus: number,
 *   consensus_rate: number | null, no_consensus: number, timed_out: number, absent: number, bot_choices: number,
 *   movement: number[][], mean_confidence: number | null, consensus_confidence: number | null }} SessionRoundResults
 * @typedef {{ session_code: string, rooms_total: number, rooms_started: number, rooms_finished: number,
 *   rounds: SessionRoundResults[], dropped_seats: number, removed_seats: number, bot_seats: number }} SessionResults
 * @typedef {{ round_number: number, options: { choice: number, text: string | { ko: string, en: string } }[] }} ScenarioRound
 */

/**
 * @param {SessionResults} results
 * @param {ScenarioRound[]} scenarioRounds the session's scenario, for the options' words in the tables (letters without it)
 * @param {boolean} busy
 * @param {() => void} refresh
 */
export function sessionResultsSection(results, scenarioRounds, busy, refresh) {
  const rounds = results.rounds.filter((round) => round.rooms_closed > 0);
  const closed = rounds.reduce((sum, round) => sum + round.rooms_closed, 0);
  const roundLabel = (/** @type {number} */ round) => `${t('stats.round')} ${round}`;
  /** @param {string} key */
  const text = (key) => ({ title: t(key), description: t(`${key}Desc`), roundLabel });
  return h('section', { class: 'card', id: 'session-results', 'aria-labelledby': 'session-results-title', 'data-rounds': rounds.length },
    h('h3', { id: 'session-results-title' }, t('results.title')),
    // Each count has its own noun: one plural for both read "0 of 1 rooms finished".
    h('p', { id: 'session-results-summary' }, t('results.summary', {
      rooms: counted('results.rooms', results.rooms_total, { finished: number(results.rooms_finished), total: number(results.rooms_total) }),
      rounds: counted('results.rounds', closed, { closed: number(closed) }),
    })),
    h('button', { type: 'button', class: 'secondary', id: 'session-results-refresh', disabled: busy, onclick: refresh }, t('results.refresh')),
    rounds.length === 0
      ? h('p', { class: 'muted', id: 'session-results-none' }, t('results.none'))
      : [
        legend(t('stats.individual'), t('stats.group')),
        figure(shareChart(rounds, text('results.shares'))),
        figure(flowChart(rounds, text('results.flow'))),
        figure(confidenceChart(rounds, text('results.confidence'), 'chart-session-confidence')),
        // Each table is a Tab stop named by its caption: a wide one scrolls sideways in its own region, and a region the
        // keyboard could not reach could not be scrolled to its last columns.
        h('details', { id: 'session-results-details' },
          h('summary', {}, t('stats.showTable')),
          optionsTable(rounds, scenarioRounds),
          flowTable(rounds),
          roundsTable(rounds)),
      ]);
}

/** @param {SessionRoundResults[]} rounds @param {ScenarioRound[]} scenarioRounds */
function optionsTable(rounds, scenarioRounds) {
  /** @param {number} roundNumber @param {number} option */
  const label = (roundNumber, option) => {
    const words = scenarioRounds.find((round) => round.round_number === roundNumber)?.options.find((o) => o.choice === option)?.text;
    return words ? `${optionLetter(option)}. ${pick(words)}` : optionLetter(option);
  };
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'session-options-caption' },
    h('table', { id: 'session-options-table' },
      h('caption', { id: 'session-options-caption' }, t('results.optionsCaption')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('stats.round')), h('th', { scope: 'col' }, t('stats.option')),
        h('th', { scope: 'col' }, t('results.chose')), h('th', { scope: 'col' }, t('results.decided')))),
      h('tbody', {}, rounds.flatMap((round) => round.choices.map((count, option) => h('tr', { 'data-round': round.round_number, 'data-option': option },
        h('th', { scope: 'row' }, number(round.round_number)),
        h('td', {}, label(round.round_number, option)),
        h('td', { 'data-column': 'chose' }, number(count)),
        h('td', { 'data-column': 'decided' }, number(round.consensus[option] ?? 0))))))));
}

/**
 * The flow chart's numbers: how many individual choices of each option went into each option the groups decided on. The
 * chart's line widths were their only record, so a screen reader never heard them.
 * @param {SessionRoundResults[]} rounds
 */
function flowTable(rounds) {
  const flows = rounds.flatMap((round) => (round.movement ?? []).flatMap((row, from) => row.flatMap((count, to) => (count > 0 ? [{ round: round.round_number, from, to, count }] : []))));
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'session-flow-caption' },
    h('table', { id: 'session-flow-table' },
      h('caption', { id: 'session-flow-caption' }, t('results.flow')),
      h('thead', {}, h('tr', {},
        ['stats.round', 'results.from', 'results.to', 'results.choices'].map((key) => h('th', { scope: 'col' }, t(key))))),
      h('tbody', {}, flows.map((flow) => h('tr', { 'data-round': flow.round, 'data-from': flow.from, 'data-to': flow.to },
        h('th', { scope: 'row' }, number(flow.round)),
        h('td', {}, optionLetter(flow.from)),
        h('td', {}, optionLetter(flow.to)),
        h('td', { 'data-column': 'count' }, number(flow.count)))))));
}

/** @param {SessionRoundResults[]} rounds */
function roundsTable(rounds) {
  const columns = ['closed', 'agreed', 'rate', 'meanConfidence', 'consensusConfidence', 'timedOut', 'absent', 'bots'];
  /** @param {SessionRoundResults} round @returns {string[]} */
  const cells = (round) => [
    number(round.rooms_closed),
    number(round.rooms_with_consensus),
    percent(round.consensus_rate),
    round.mean_confidence == null ? '' : round.mean_confidence.toFixed(2),
    round.consensus_confidence == null ? '' : round.consensus_confidence.toFixed(2),
    number(round.timed_out),
    number(round.absent),
    number(round.bot_choices),
  ];
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'session-rounds-caption' },
    h('table', { id: 'session-rounds-table' },
      h('caption', { id: 'session-rounds-caption' }, t('results.roundsCaption')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('stats.round')),
        columns.map((column) => h('th', { scope: 'col' }, t(column.endsWith('Confidence') ? `stats.${column}` : `results.${column}`))))),
      h('tbody', {}, rounds.map((round) => h('tr', { 'data-round': round.round_number },
        h('th', { scope: 'row' }, number(round.round_number)),
        cells(round).map((cell, i) => h('td', { 'data-column': columns[i] }, cell)))))));
}
