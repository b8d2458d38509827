// The settings a class session or a study is created with (POST /sessions), beyond its title and topic: the label its
// exports are pseudonymised under, the round timers, what happens when a student drops out, whether voice is required,
// bots, what the start does with one or two left over, and a scenario the AI writes for it. Left empty, each keeps the
// server's default.

import { h, radioGroup } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { generatedScenarioId } from './host.js';

addStrings({
  en: {
    'sessionSettings.more': 'Study and game settings',
    'sessionSettings.studyLabel': 'Study label (where the server pseudonymises, exports of this session are pseudonymised under it; optional)',
    'sessionSettings.choiceSeconds': 'Time to choose, in seconds (optional)',
    'sessionSettings.consensusSeconds': 'Time for the group decision, in seconds (optional)',
    'sessionSettings.onDropout': 'If a student drops out of a started game',
    'sessionSettings.voice': 'Voice',
    'sessionSettings.voice.optional': 'optional: students may take part without voice recording consent',
    'sessionSettings.voice.required': 'required: students must consent to voice recording to enrol',
    'sessionSettings.botsAllowed': 'Bots may fill the rooms of students left over at the start',
    'sessionSettings.remainder': 'One or two students left over at the start',
    'sessionSettings.remainder.wait': 'wait in a room for late arrivals',
    'sessionSettings.remainder.bots': 'play with bots',
    'sessionSettings.remainderNeedsBots': 'Playing with bots is offered once "Bots may fill the rooms of students left over at the start" is ticked.',
    'sessionSettings.onDropoutHint': 'A bot that takes a dropped-out student’s seat does not need the bots box below: that box is only for students left over at the start.',
    'sessionSettings.remainder.pair': 'play in rooms of two',
    'error.remainder_needs_bots': 'Playing with bots needs "Bots may fill the rooms of students left over at the start".',
    'error.invalid_study_label': 'A study label has 1 to 64 characters, something visible, and no hidden or text-direction characters.',
  },
  ko: {
    'sessionSettings.more': '연구와 게임 설정',
    'sessionSettings.studyLabel': '연구 라벨(서버가 가명을 쓰는 경우 이 세션의 내보내기는 이 라벨로 가명 처리됩니다, 선택)',
    'sessionSettings.choiceSeconds': '선택 시간(초, 선택)',
    'sessionSettings.consensusSeconds': '모둠 결정 시간(초, 선택)',
    'sessionSettings.onDropout': '게임 중에 학생이 나가면',
    'sessionSettings.voice': '음성',
    'sessionSettings.voice.optional': '선택: 음성 녹음에 동의하지 않아도 참여할 수 있습니다',
    'sessionSettings.voice.required': '필수: 음성 녹음에 동의해야 등록할 수 있습니다',
    'sessionSettings.botsAllowed': '시작할 때 남은 학생의 방을 봇으로 채울 수 있음',
    'sessionSettings.remainder': '시작할 때 한두 명이 남으면',
    'sessionSettings.remainder.wait': '늦게 오는 학생을 방에서 기다립니다',
    'sessionSettings.remainder.bots': '봇과 함께 합니다',
    'sessionSettings.remainderNeedsBots': '"시작할 때 남은 학생의 방을 봇으로 채울 수 있음"을 켜면 봇과 함께 하기를 고를 수 있습니다.',
    'sessionSettings.onDropoutHint': '나간 학생의 자리를 봇이 맡는 데에는 아래의 봇 설정이 필요 없습니다. 그 설정은 시작할 때 남은 학생에게만 쓰입니다.',
    'sessionSettings.remainder.pair': '두 명씩 방에서 합니다',
    'error.remainder_needs_bots': '봇과 함께 하려면 "시작할 때 남은 학생의 방을 봇으로 채울 수 있음"을 켜야 합니다.',
    'error.invalid_study_label': '연구 라벨은 1자에서 64자까지이며, 보이는 글자가 있어야 하고 숨은 문자나 글자 방향을 바꾸는 문자는 쓸 수 없습니다.',
  },
});

/**
 * The form's values, kept by the console so a redraw does not wipe them.
 * @typedef {{ studyLabel: string, choiceSeconds: string, consensusSeconds: string, onDropout: string, voice: string,
 *   botsAllowed: boolean, remainderRule: string, generate: boolean, guidance: string }} SessionSettingsDraft
 */

/** @returns {SessionSettingsDraft} */
export function emptySessionSettings() {
  return { studyLabel: '', choiceSeconds: '', consensusSeconds: '', onDropout: '', voice: '', botsAllowed: false, remainderRule: '', generate: false, guidance: '' };
}

/**
 * The settings, folded under a disclosure: most sessions keep the defaults. Playing the left-over students with bots
 * needs bots allowed (the server answers 422 remainder_needs_bots): unticked, that choice is offered greyed out with the
 * reason, and one made before falls back to the default. A bot taking a dropout's seat (on_dropout) needs no such box:
 * the hint says so, as the two read as contradicting each other.
 * @param {SessionSettingsDraft} draft
 * @param {() => void} redraw draws the form again (a tick changes what the remainder offers)
 */
export function sessionSettingsFields(draft, redraw) {
  if (!draft.botsAllowed && draft.remainderRule === 'bots') {
    draft.remainderRule = '';
  }
  /** @param {'studyLabel' | 'choiceSeconds' | 'consensusSeconds' | 'onDropout' | 'voice' | 'remainderRule' | 'guidance'} key */
  const keepText = (key) => (/** @type {Event} */ event) => {
    draft[key] = /** @type {HTMLInputElement} */ (event.currentTarget).value;
  };
  /** @param {'botsAllowed' | 'generate'} key */
  const keepTick = (key) => (/** @type {Event} */ event) => {
    draft[key] = /** @type {HTMLInputElement} */ (event.currentTarget).checked;
  };
  /**
   * A choice among a few, as a group of radios whose words wrap: in a select they were cut off on a phone (320 px, or
   * wider text spacing), as a select cannot wrap ("Pause until they return or I remove them", "…consent to voice re").
   * @param {string} id @param {string} name the body's field @param {'onDropout' | 'voice' | 'remainderRule'} key
   * @param {string} legend @param {string[]} values
   * @param {(value: string) => string} label @param {(value: string) => boolean} [offered] @param {string} [describedBy]
   */
  const choices = (id, name, key, legend, values, label, offered = () => true, describedBy = '') => radioGroup({
    id,
    legend,
    name,
    items: values.map((value) => ({ value, label: label(value), disabled: !offered(value) })),
    checked: draft[key] || values[0],
    onchange: keepText(key),
    describedBy,
  });
  return h('details', { id: 'session-settings' },
    h('summary', {}, t('sessionSettings.more')),
    h('label', { for: 'session-study-label' }, t('sessionSettings.studyLabel')),
    h('input', { type: 'text', id: 'session-study-label', name: 'study_label', maxlength: 64, autocomplete: 'off', value: draft.studyLabel, oninput: keepText('studyLabel') }),
    h('label', { for: 'session-choice-seconds' }, t('sessionSettings.choiceSeconds')),
    h('input', { type: 'number', id: 'session-choice-seconds', name: 'choice_seconds', min: 1, max: 3600, inputmode: 'numeric', value: draft.choiceSeconds, oninput: keepText('choiceSeconds') }),
    h('label', { for: 'session-consensus-seconds' }, t('sessionSettings.consensusSeconds')),
    h('input', { type: 'number', id: 'session-consensus-seconds', name: 'consensus_seconds', min: 1, max: 3600, inputmode: 'numeric', value: draft.consensusSeconds, oninput: keepText('consensusSeconds') }),
    choices('session-on-dropout', 'on_dropout', 'onDropout', t('sessionSettings.onDropout'), ['continue', 'wait', 'bot'], (value) => t(`host.onDropout.${value}`),
      () => true, 'session-on-dropout-hint'),
    h('p', { class: 'hint', id: 'session-on-dropout-hint' }, t('sessionSettings.onDropoutHint')),
    choices('session-voice', 'voice', 'voice', t('sessionSettings.voice'), ['optional', 'required'], (value) => t(`sessionSettings.voice.${value}`)),
    h('label', { class: 'inline', for: 'session-bots-allowed' },
      h('input', {
        type: 'checkbox',
        id: 'session-bots-allowed',
        name: 'bots_allowed',
        checked: draft.botsAllowed,
        onchange: (/** @type {Event} */ event) => {
          keepTick('botsAllowed')(event);
          redraw();
        },
      }),
      h('span', {}, t('sessionSettings.botsAllowed'))),
    choices('session-remainder', 'remainder_rule', 'remainderRule', t('sessionSettings.remainder'), ['wait', 'bots', 'pair'], (value) => t(`sessionSettings.remainder.${value}`),
      (value) => value !== 'bots' || draft.botsAllowed, draft.botsAllowed ? '' : 'session-remainder-hint'),
    draft.botsAllowed ? null : h('p', { class: 'hint', id: 'session-remainder-hint' }, t('sessionSettings.remainderNeedsBots')),
    h('label', { class: 'inline', for: 'session-generate' },
      h('input', { type: 'checkbox', id: 'session-generate', checked: draft.generate, 'aria-describedby': 'session-generate-hint', onchange: keepTick('generate') }),
      h('span', {}, t('host.generate'))),
    h('p', { class: 'hint', id: 'session-generate-hint' }, t('host.generateHint')),
    h('label', { for: 'session-guidance' }, t('host.guidance')),
    h('textarea', { id: 'session-guidance', name: 'guidance', maxlength: 500, rows: 2, value: draft.guidance, oninput: keepText('guidance') }));
}

/**
 * The body of POST /sessions: what was filled in, and a new scenario's id when the AI was asked for one (written first).
 * @param {string} title @param {string} topic @param {SessionSettingsDraft} draft
 */
export async function sessionBody(title, topic, draft) {
  const scenarioId = await generatedScenarioId(draft.generate, topic, draft.guidance.trim());
  /** @param {string} text */
  const seconds = (text) => (text.trim() ? Number(text) : undefined);
  return {
    title,
    topic,
    scenario_id: scenarioId ?? undefined,
    study_label: draft.studyLabel.trim() || undefined,
    choice_seconds: seconds(draft.choiceSeconds),
    consensus_seconds: seconds(draft.consensusSeconds),
    on_dropout: draft.onDropout || undefined,
    voice: draft.voice || undefined,
    bots_allowed: draft.botsAllowed || undefined,
    remainder_rule: draft.remainderRule || undefined,
  };
}
