// Figures across the whole study on the researcher page (GET /research/statistics): per topic how often groups followed
// their majority, per role how often its choice became the group's decision, as charts with every number in tables a
// click away. Individual choices of participants without research consent are not counted, nor rounds a bot chose in
// beyond their number (the server's rules).

import { figure, rateChart } from '../charts.js';
import { h } from '../dom.js';
import { addStrings, number, percent, pick, t, when } from '../i18n.js';

addStrings({
  en: {
    'figures.title': 'Figures across the study',
    'figures.titleStudy': 'Figures of the study {study}',
    'figures.none': 'No round has been completed yet.',
    'figures.computedAt': 'Computed at {at}; individual choices count only with research consent, and a round a bot chose in counts only as completed.',
    'figures.majority': 'Groups that followed their majority, by topic',
    'figures.majorityDesc': 'Of the completed rounds in which most people chose one option, the share whose group decided on that option.',
    'figures.agreement': 'Choices that became the group\'s decision, by role',
    'figures.agreementDesc': 'Of each role\'s choices in completed rounds, the share that the group\'s decision matched.',
    'figures.topicsCaption': 'Topics',
    'figures.rolesCaption': 'Roles',
    'figures.topic': 'Topic',
    'figures.rooms': 'Rooms',
    'figures.finished': 'Finished',
    'figures.rounds': 'Rounds completed',
    'figures.withBots': 'Of them with a bot',
    'figures.withMajority': 'With a majority',
    'figures.followed': 'Followed it',
    'figures.unanimous': 'Unanimous',
    'figures.followedRate': 'Followed rate',
    'figures.consensusConfidence': 'Group sureness',
    'figures.role': 'Role',
    'figures.choices': 'Choices',
    'figures.agreementIndex': 'Became the decision',
    'figures.meanConfidence': 'Average sureness',
    'figures.confidenceShift': 'Group minus own sureness',
  },
  ko: {
    'figures.title': '연구 전체의 수치',
    'figures.titleStudy': '연구 {study}의 수치',
    'figures.none': '아직 끝난 라운드가 없습니다.',
    'figures.computedAt': '{at}에 계산, 개인 선택은 연구 동의가 있을 때만 세고, 봇이 고른 라운드는 끝난 라운드로만 셉니다.',
    'figures.majority': '주제별, 다수 의견을 따른 모둠',
    'figures.majorityDesc': '끝난 라운드 가운데 과반이 한 선택지를 고른 라운드에서, 모둠이 그 선택지로 정한 비율.',
    'figures.agreement': '역할별, 모둠 결정이 된 선택',
    'figures.agreementDesc': '끝난 라운드에서 각 역할의 선택 가운데 모둠 결정과 같았던 비율.',
    'figures.topicsCaption': '주제',
    'figures.rolesCaption': '역할',
    'figures.topic': '주제',
    'figures.rooms': '방',
    'figures.finished': '끝남',
    'figures.rounds': '끝난 라운드',
    'figures.withBots': '그 가운데 봇 참여',
    'figures.withMajority': '과반 있음',
    'figures.followed': '따름',
    'figures.unanimous': '만장일치',
    'figures.followedRate': '따른 비율',
    'figures.consensusConfidence': '모둠 확신',
    'figures.role': '역할',
    'figures.choices': '선택',
    'figures.agreementIndex': '결정이 된 비율',
    'figures.meanConfidence': '평균 확신',
    'figures.confidenceShift': '모둠 확신 - 개인 확신',
  },
});

/**
 * @typedef {{ topic: string, rooms: number, finished_rooms: number, rounds_completed: number, rounds_with_majority: number,
 *   followed_majority: number, unanimous: number, followed_majority_rate: number | null, mean_consensus_confidence: number | null,
 *   rounds_with_bots: number }} TopicFigures
 * @typedef {{ role_id: number, role_name: string, choices: number, agreement_index: number | null, mean_confidence: number | null,
 *   mean_confidence_shift: number | null }} RoleFigures
 * @typedef {{ topics: TopicFigures[], roles: RoleFigures[], computed_at: string, study?: string | null }} StudyFigures
 * @typedef {{ topic: string, title: string | { ko: string, en: string } }} Topic
 */

/**
 * @param {StudyFigures} figures
 * @param {Topic[]} topics the catalog, for the topics' titles
 * @param {HTMLElement | null} picker what chooses the rooms the figures are of (every room, or one study's)
 */
export function figuresSection(figures, topics, picker) {
  /** @param {string} topic */
  const title = (topic) => pick(topics.find((known) => known.topic === topic)?.title) || topic;
  /** @param {number} roleId */
  const role = (roleId) => t(`room.role.${roleId}`);
  const completed = figures.topics.some((topic) => topic.rounds_completed > 0);
  return h('section', { class: 'card', 'aria-labelledby': 'figures-title', id: 'research-figures' },
    h('h3', { id: 'figures-title' }, figures.study ? t('figures.titleStudy', { study: figures.study }) : t('figures.title')),
    picker,
    h('p', { class: 'hint' }, t('figures.computedAt', { at: when(figures.computed_at) })),
    completed
      ? [
        figure(rateChart(
          figures.topics.map((topic) => ({ label: title(topic.topic), value: topic.followed_majority_rate })),
          'chart-topics-majority',
          { title: t('figures.majority'), description: t('figures.majorityDesc') })),
        figure(rateChart(
          figures.roles.map((roleFigures) => ({ label: role(roleFigures.role_id), value: roleFigures.agreement_index })),
          'chart-roles-agreement',
          { title: t('figures.agreement'), description: t('figures.agreementDesc') })),
        h('details', { id: 'figures-details' },
          h('summary', {}, t('stats.showTable')),
          table('figures-topics-table', 'figures.topicsCaption', 'figures.topic',
            ['rooms', 'finished', 'rounds', 'withBots', 'withMajority', 'followed', 'unanimous', 'followedRate', 'consensusConfidence'],
            figures.topics.map((topic) => ({
              key: topic.topic,
              name: title(topic.topic),
              cells: [number(topic.rooms), number(topic.finished_rooms), number(topic.rounds_completed), number(topic.rounds_with_bots), number(topic.rounds_with_majority),
                number(topic.followed_majority), number(topic.unanimous), percent(topic.followed_majority_rate), decimal(topic.mean_consensus_confidence)],
            }))),
          table('figures-roles-table', 'figures.rolesCaption', 'figures.role',
            ['choices', 'agreementIndex', 'meanConfidence', 'confidenceShift'],
            figures.roles.map((roleFigures) => ({
              key: String(roleFigures.role_id),
              name: role(roleFigures.role_id),
              cells: [number(roleFigures.choices), percent(roleFigures.agreement_index), decimal(roleFigures.mean_confidence), decimal(roleFigures.mean_confidence_shift)],
            })))),
      ]
      : h('p', { class: 'muted', id: 'figures-none' }, t('figures.none')));
}

/**
 * @param {string} id
 * @param {string} caption
 * @param {string} rowHeader
 * @param {string[]} columns
 * @param {{ key: string, name: string, cells: string[] }[]} rows
 */
function table(id, caption, rowHeader, columns, rows) {
  // Focusable, so that a keyboard can scroll a table wider than the screen.
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': `${id}-caption` },
    h('table', { id },
      h('caption', { id: `${id}-caption` }, t(caption)),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t(rowHeader)), columns.map((column) => h('th', { scope: 'col' }, t(`figures.${column}`))))),
      h('tbody', {}, rows.map((row) => h('tr', { 'data-key': row.key },
        h('th', { scope: 'row' }, row.name),
        row.cells.map((cell, i) => h('td', { 'data-column': columns[i] }, cell)))))));
}



/** @param {number | null} value */
function decimal(value) {
  return value == null ? '' : value.toFixed(2);
}
