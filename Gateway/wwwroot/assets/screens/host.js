// The host's tools in the room (Gateway/Rooms): the creation form's timers, what happens when someone drops out, and a
// new scenario written by the AI (POST /ai/scenarios) to create the room on; bots for the empty seats before the start,
// and in the game removing a gone participant, handing on the host and ending the game early. Also how everyone sees
// the others' presence (reconnecting, dropped, removed, bot).

import { call } from '../api.js';
import { h, onEscape, radioGroup } from '../dom.js';
import { addStrings, t } from '../i18n.js';

addStrings({
  en: {
    'host.consensusSeconds': 'Seconds for the group decision in each round (optional)',
    'host.onDropout': 'If a player drops out of a started game',
    'host.scenario': 'Scenario',
    'host.generate': 'Have the AI write a new scenario on this topic',
    'host.generateHint': 'Five new rounds, with options and each role’s side, in Korean and English. It takes a moment; with no AI model answering, a variation of the prepared scenario is made instead.',
    'host.guidance': 'What the AI should keep in mind (optional)',
    'host.onDropout.continue': 'Go on without them',
    'host.onDropout.wait': 'Pause until they return or I remove them',
    'host.onDropout.bot': 'A bot takes their seat',
    'host.bots': 'Fill the empty seats with bots',
    'host.botCount': 'Number of bots',
    'host.addBots': 'Add bots',
    'host.tools': 'Host tools',
    'host.remove': 'Remove {name} from the game',
    'host.handHost': 'Make {name} the host',
    'live.hostNow': '{name} is now the host and records the group\'s decision.',
    'live.youHost': 'You are now the host: you record the group\'s decision.',
    'host.end': 'End the game now',
    'host.endConfirm': 'Yes, end the game for everyone',
    'host.endCancel': 'Keep playing',
    'host.endQuestion': 'End the game now? The rounds not yet decided stay undecided.',
    'host.paused': 'The game is paused: a player dropped out. Wait for them, remove them, or end the game.',
    'presence.reconnecting': 'reconnecting…',
    'presence.dropped': 'dropped out',
    'presence.removed': 'removed',
    'presence.bot': 'bot',
    'bot.name': 'Bot {number}',
    'bot.nameAlone': 'Bot',
    'live.reconnecting': '{name} lost the connection and is reconnecting.',
    'live.returned': '{name} is back.',
    'live.dropped': '{name} dropped out.',
    'error.participant_present': 'That player is still connected: only a player who is gone can be removed.',
    'error.participant_gone': 'That player is not connected right now.',
    'error.participant_dropped': 'You were dropped from this game. Reconnect to take part again.',
    'error.participant_is_bot': 'A bot cannot do that.',
    'error.room_paused': 'The game is paused.',
    'error.invalid_bots': 'A room takes one or two bots.',
    'error.invalid_timer': 'A timer is from 1 to 3600 seconds.',
    'error.invalid_on_dropout': 'Pick what happens when a player drops out.',
    'error.choices_closed': 'Choosing has closed for this round.',
  },
  ko: {
    'host.consensusSeconds': '라운드마다 모둠 결정 시간 (초, 선택)',
    'host.onDropout': '게임 중에 참가자가 나가면',
    'host.scenario': '시나리오',
    'host.generate': '이 주제로 AI가 새 시나리오를 쓰게 하기',
    'host.generateHint': '선택지와 역할별 입장을 갖춘 새 라운드 다섯 개를 한국어와 영어로 만듭니다. 잠시 걸립니다. 응답하는 AI 모델이 없으면 준비된 시나리오를 바꾼 것을 만듭니다.',
    'host.guidance': 'AI가 염두에 둘 것(선택)',
    'host.onDropout.continue': '남은 사람끼리 계속하기',
    'host.onDropout.wait': '돌아오거나 내가 내보낼 때까지 멈추기',
    'host.onDropout.bot': '봇이 그 자리를 맡기',
    'host.bots': '빈자리를 봇으로 채우기',
    'host.botCount': '봇 수',
    'host.addBots': '봇 추가',
    'host.tools': '방장 도구',
    'host.remove': '{name} 님을 게임에서 내보내기',
    'host.handHost': '{name} 님을 방장으로',
    'live.hostNow': '이제 {name} 님이 방장이며 모둠의 결정을 기록합니다.',
    'live.youHost': '이제 내가 방장입니다. 모둠의 결정을 내가 기록합니다.',
    'host.end': '지금 게임 끝내기',
    'host.endConfirm': '네, 모두의 게임을 끝냅니다',
    'host.endCancel': '계속하기',
    'host.endQuestion': '지금 게임을 끝낼까요? 아직 정하지 않은 라운드는 정해지지 않은 채로 남습니다.',
    'host.paused': '게임이 멈췄습니다: 참가자가 나갔습니다. 기다리거나, 내보내거나, 게임을 끝내세요.',
    'presence.reconnecting': '다시 연결하는 중…',
    'presence.dropped': '나감',
    'presence.removed': '내보냄',
    'presence.bot': '봇',
    'bot.name': '봇 {number}',
    'bot.nameAlone': '봇',
    'live.reconnecting': '{name} 님의 연결이 끊겨 다시 연결하는 중입니다.',
    'live.returned': '{name} 님이 돌아왔습니다.',
    'live.dropped': '{name} 님이 나갔습니다.',
    'error.participant_present': '아직 연결된 참가자입니다: 나간 참가자만 내보낼 수 있습니다.',
    'error.participant_gone': '그 참가자는 지금 연결되어 있지 않습니다.',
    'error.participant_dropped': '이 게임에서 빠졌습니다. 다시 연결하면 참여할 수 있습니다.',
    'error.participant_is_bot': '봇은 그렇게 할 수 없습니다.',
    'error.room_paused': '게임이 멈춰 있습니다.',
    'error.invalid_bots': '봇은 한 명이나 두 명까지입니다.',
    'error.invalid_timer': '시간은 1초에서 3600초까지입니다.',
    'error.invalid_on_dropout': '참가자가 나갔을 때 할 일을 고르세요.',
    'error.choices_closed': '이 라운드의 선택이 마감되었습니다.',
  },
});

/**
 * @typedef {import('../api.js').Room} Room
 * @typedef {import('../api.js').Participant} Participant
 * @typedef {(path: string, body?: unknown) => void} HostAction posts to the room's API and reads the room again
 */

/** The creation form's host settings: the consensus timer and the on_dropout choice (the choice timer is the lobby's). */
export function creationFields() {
  return [
    h('label', { for: 'create-consensus-seconds' }, t('host.consensusSeconds')),
    h('input', { type: 'number', id: 'create-consensus-seconds', name: 'consensus_seconds', min: 1, max: 3600, inputmode: 'numeric' }),
    radioGroup({
      id: 'create-on-dropout',
      legend: t('host.onDropout'),
      name: 'on_dropout',
      items: ['continue', 'wait', 'bot'].map((policy) => ({ value: policy, label: t(`host.onDropout.${policy}`) })),
    }),
    h('fieldset', {},
      h('legend', {}, t('host.scenario')),
      h('label', { class: 'inline', for: 'create-generate' },
        h('input', { type: 'checkbox', id: 'create-generate', name: 'generate', 'aria-describedby': 'generate-hint' }),
        h('span', {}, t('host.generate'))),
      h('p', { class: 'hint', id: 'generate-hint' }, t('host.generateHint')),
      h('label', { for: 'create-guidance' }, t('host.guidance')),
      h('textarea', { id: 'create-guidance', name: 'guidance', maxlength: 500, rows: 2 })),
  ];
}

/**
 * A new scenario on the topic when the form asks for one (POST /ai/scenarios), for a room or a session to be created on;
 * null for the topic's own.
 * @param {boolean} generate @param {string} topic @param {string} guidance
 * @returns {Promise<string | null>}
 */
export async function generatedScenarioId(generate, topic, guidance) {
  if (!generate) {
    return null;
  }
  const generated = await call('POST', '/ai/scenarios', { topic, guidance: guidance || undefined });
  return generated.scenario_id;
}

/**
 * What the creation form's host settings add to POST /rooms/{public|private}: empty fields are left to the server's defaults.
 * @param {(name: string) => string} field the form's trimmed value by name
 */
export function creationBody(field) {
  const consensus = field('consensus_seconds');
  const onDropout = field('on_dropout');
  return { ...(consensus ? { consensus_seconds: Number(consensus) } : {}), ...(onDropout ? { on_dropout: onDropout } : {}) };
}

/**
 * Before the start, a host with empty seats may fill them with bots.
 * @param {Room} room @param {boolean} busy @param {HostAction} act
 */
export function botControls(room, busy, act) {
  const free = 3 - room.participants.length;
  if (free < 1) {
    return null;
  }
  // The count, its label and the button stand on one row, the select as wide as a digit (it was stretched to the fields'
  // 24rem), and the form keeps a gap below it: "Add bots" sat against "Leave room".
  return h('form', {
    id: 'bots-form',
    class: 'tool-form',
    'aria-labelledby': 'bots-title',
    onsubmit: (/** @type {Event} */ event) => {
      event.preventDefault();
      const count = /** @type {HTMLSelectElement} */ (document.getElementById('bot-count')).value;
      act(`/rooms/${room.room_code}/bots`, { bots: Number(count) });
    },
  },
  h('h4', { id: 'bots-title' }, t('host.bots')),
  h('div', { class: 'row' },
    h('label', { for: 'bot-count' }, t('host.botCount')),
    h('select', { id: 'bot-count', class: 'fit' }, Array.from({ length: Math.min(free, 2) }, (_, i) => h('option', { value: i + 1 }, String(i + 1)))),
    h('button', { type: 'submit', id: 'add-bots', disabled: busy }, t('host.addBots'))));
}

/**
 * The host's tools in a started game: remove a participant who is gone, hand the host on to one who is present,
 * and end the game (asked twice: it ends it for everyone).
 * @param {Room} room @param {number} selfId @param {boolean} busy @param {HostAction} act
 * @param {{ confirmingEnd: boolean, setConfirmingEnd: (on: boolean) => void }} end
 */
export function hostTools(room, selfId, busy, act, end) {
  const others = room.participants.filter((p) => p.user_id !== selfId && !p.is_bot && presenceOf(p) !== 'removed');
  return h('section', { class: 'card', 'aria-labelledby': 'host-tools-title', id: 'host-tools' },
    h('h3', { id: 'host-tools-title' }, t('host.tools')),
    waitsForDropout(room) ? h('p', { class: 'tag warn', id: 'room-paused' }, t('host.paused')) : null,
    h('ul', { class: 'plain' }, others.map((p) => {
      const gone = presenceOf(p) !== 'present';
      // Each of a seat's two buttons stands for the other: as the player drops or returns, the focus follows the seat.
      const remove = `remove-${p.user_id}`;
      const handHost = `hand-host-${p.user_id}`;
      return h('li', { 'data-user-id': p.user_id },
        gone
          ? h('button', { type: 'button', class: 'secondary', id: remove, 'data-stands-for': handHost, disabled: busy, onclick: () => act(`/rooms/${room.room_code}/remove`, { user_id: p.user_id }) },
            t('host.remove', { name: displayName(p) }))
          : h('button', { type: 'button', class: 'secondary', id: handHost, 'data-stands-for': remove, disabled: busy, onclick: () => act(`/rooms/${room.room_code}/host`, { user_id: p.user_id }) },
            t('host.handHost', { name: displayName(p) })));
    })),
    end.confirmingEnd
      ? h('div', { role: 'group', id: 'end-ask', tabindex: -1, 'aria-labelledby': 'end-question', onkeydown: onEscape(() => end.setConfirmingEnd(false)) },
        h('p', { id: 'end-question' }, t('host.endQuestion')),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'danger', id: 'end-confirm', disabled: busy, onclick: () => act(`/rooms/${room.room_code}/end`) }, t('host.endConfirm')),
          h('button', { type: 'button', class: 'secondary', id: 'end-cancel', onclick: () => end.setConfirmingEnd(false) }, t('host.endCancel'))))
      : h('button', { type: 'button', class: 'secondary', id: 'end-game', disabled: busy, onclick: () => end.setConfirmingEnd(true) }, t('host.end')));
}

/**
 * Whether the game is held for a player who dropped out (`on_dropout: wait`); its facilitator may hold it too.
 * @param {Room} room
 */
export function waitsForDropout(room) {
  return Boolean(room.paused) && room.on_dropout === 'wait' && room.participants.some((p) => presenceOf(p) === 'dropped');
}

/**
 * A participant's presence as the room says it; a bot is always there.
 * @param {Participant} participant
 * @returns {string}
 */
export function presenceOf(participant) {
  return participant.presence ?? 'present';
}

/**
 * A participant's name as the page shows it. A bot's stored nickname is "Bot 1" whatever the room's language (it is
 * research data, kept as it is): a bot is named in the page's language, with that number.
 * @param {{ nickname: string, is_bot?: boolean }} participant
 */
export function displayName(participant) {
  if (!participant.is_bot) {
    return participant.nickname;
  }
  const number = /(\d+)\s*$/.exec(participant.nickname)?.[1];
  return number ? t('bot.name', { number }) : t('bot.nameAlone');
}

/**
 * Whether a seat still plays: the room waits for its choice. One that dropped out (until it comes back) or was removed
 * (or moved to another room) is not waited for (the server's rule; its rounds are recorded absent).
 * @param {Participant} participant
 */
export function takesPart(participant) {
  const presence = presenceOf(participant);
  return presence !== 'dropped' && presence !== 'removed';
}

/**
 * The tag shown beside a name for everyone: a bot, or a player who is not simply present.
 * @param {Participant} participant
 */
export function presenceTag(participant) {
  if (participant.is_bot) {
    return h('span', { class: 'tag', 'data-presence': 'bot' }, t('presence.bot'));
  }
  const presence = presenceOf(participant);
  if (presence === 'present') {
    return null;
  }
  return h('span', { class: presence === 'reconnecting' ? 'tag warn' : 'tag bad', 'data-presence': presence }, t(`presence.${presence}`));
}

/**
 * A host change in a game under way (handed on, or the host dropped), in words: only the screen changed, so a player
 * who does not see it never learnt that the decision was now theirs to record, nor the others whose it was.
 * @param {import('../api.js').Room} previous @param {import('../api.js').Room} next @param {number | undefined} selfId
 * @returns {string | null}
 */
export function hostChange(previous, next, selfId) {
  if (next.phase !== 'started' || next.host_user_id === previous.host_user_id) {
    return null;
  }
  if (next.host_user_id === selfId) {
    return t('live.youHost');
  }
  const host = next.participants.find((p) => p.user_id === next.host_user_id);
  return host ? t('live.hostNow', { name: displayName(host) }) : null;
}

/**
 * The sentence read out when the voice socket says another participant's connection changed.
 * @param {string} type participant_reconnecting, participant_returned or participant_dropped
 * @param {string} name
 */
export function presenceAnnouncement(type, name) {
  const key = { participant_reconnecting: 'live.reconnecting', participant_returned: 'live.returned', participant_dropped: 'live.dropped' }[type];
  return key ? t(key, { name }) : null;
}
