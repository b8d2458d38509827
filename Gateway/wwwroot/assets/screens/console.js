// The facilitator console (facilitator and admin roles): open a class session, show its join code, link and QR code,
// watch the pool fill, start it, then follow every room live on the monitor socket and act on them (broadcast,
// pause, resume, end), and see the results across the rooms as each round closes. It only speaks the session API
// (Gateway/Sessions); what is allowed is the session grain's rule.

import { ApiError, call, currentSession, fetchAuthorized } from '../api.js';
import { h, onEscape, radioGroup, standIn } from '../dom.js';
import { addStrings, countdown, has, number, pick, t, when } from '../i18n.js';
import { ReconnectingSocket } from '../realtime.js';
import { sessionResultsSection } from './session-results.js';
import { displayName } from './host.js';
import { emptySessionSettings, sessionBody, sessionSettingsFields } from './session-settings.js';

addStrings({
  en: {
    'console.open': 'Facilitator console',
    'console.title': 'Facilitator console',
    'console.back': 'Back to the lobby',
    'console.create': 'Open a class session',
    'console.sessionTitle': 'Session title',
    'console.topic': 'Topic',
    'console.createButton': 'Open the session',
    'console.createHint': 'Settings left empty keep their defaults.',
    'console.session': 'Session {title}',
    'console.code': 'Join code',
    'console.link': 'Join link',
    'console.qr': 'QR code of the join link',
    'console.status': 'Status',
    'console.status.open': 'Open: students are enrolling',
    'console.status.started': 'Started',
    'console.status.closed': 'Closed',
    'console.pool': 'Students waiting',
    'console.poolCount': '{count} enrolled',
    'console.poolLate': 'Late arrivals',
    'console.poolLateCount': '{count} enrolled and not yet in a room',
    'console.poolLateNone': 'Every student who enrolled is in a room; those who come late are seated as they enrol.',
    'console.poolNames': 'Students waiting, in the order they came',
    'console.unnamed': 'Student {id}',
    'console.refresh': 'Refresh',
    'console.start': 'Start: seat the students in rooms',
    'console.started': 'The session has started. Rooms: {count}.',
    'console.rooms': 'Rooms',
    'console.roomsCaption': 'The session\'s rooms, live',
    'console.noRooms': 'No room yet.',
    'console.monitorDown': 'The live view is reconnecting…',
    'console.col.room': 'Room',
    'console.col.phase': 'Phase',
    'console.col.round': 'Round',
    'console.col.secondsLeft': 'Time left',
    'console.noTimer': 'none',
    'console.timerStopped': 'stopped',
    'console.timerStoppedAt': 'stopped at {time}',
    'console.col.chosen': 'Chosen / seats',
    'console.col.presence': 'Presence',
    'console.col.actions': 'Actions',
    'console.paused': 'paused',
    'console.phase.waiting': 'Waiting',
    'console.phase.started': 'Playing',
    'console.phase.finished': 'Finished',
    'console.presence.present': 'present',
    'console.presence.online': 'online',
    'console.presence.offline': 'not connected',
    'console.presence.reconnecting': 'reconnecting',
    'console.presence.dropped': 'dropped out',
    'console.presence.removed': 'removed',
    'console.presence.moved': 'moved to room {room}',
    'console.presence.bot': 'bot',
    'console.pauseShort': 'Pause',
    'console.resumeShort': 'Resume',
    'console.endShort': 'End',
    'console.pause': 'Pause room {room}',
    'console.resume': 'Resume room {room}',
    'console.end': 'End room {room}',
    'console.broadcast': 'Message to every room',
    'console.message': 'Message (1 to 280 characters)',
    'console.send': 'Send',
    'console.sent': 'Sent to every room.',
    'error.not_facilitator': 'Only the session\'s facilitator (or an admin) can do that.',
    'error.session_not_found': 'No session with that code.',
    'error.session_started': 'The session has already started.',
    'error.session_not_started': 'The session has not started yet.',
    'error.session_closed': 'The session is closed.',
    'error.pool_empty': 'No student has enrolled yet.',
    'error.invalid_message': 'Write a message of 1 to 280 characters.',
    'console.reopen': 'Open a session you run',
    'console.reopenCode': 'Its join code',
    'console.reopenButton': 'Open',
    'console.sessionActions': 'Every room at once',
    'console.pauseAll': 'Pause every room',
    'console.resumeAll': 'Resume every room',
    'console.closeEnrolment': 'Close enrolment',
    'console.extendShort': '+1 min',
    'console.extend': '+1 min for room {room}',
    'console.extendNone': '+1 min: no timer runs in this room.',
    'console.removeShort': 'Remove',
    'console.remove': 'Remove {name} from the game in room {room}',
    'console.botShort': 'Bot',
    'console.bot': 'Bot in the role of {name} in room {room}',
    'console.move': 'Move a student to another room',
    'console.moveWho': 'Student',
    'console.moveTo': 'To room',
    'console.moveButton': 'Move',
    'console.moveNone': 'Nobody to move, or no other room.',
    'console.log': 'Actions taken',
    'console.logEmpty': 'No action yet.',
    'console.logCaption': 'Every facilitator action of the session, oldest first',
    'console.logCol.when': 'When',
    'console.logCol.action': 'Action',
    'console.logCol.room': 'Room',
    'console.logCol.student': 'Student',
    'console.logCol.details': 'Details',
    'console.action.pause_room': 'Paused the room',
    'console.action.resume_room': 'Resumed the room',
    'console.action.extend_deadline': 'Extended the timer',
    'console.action.remove_participant': 'Removed a student',
    'console.action.fill_with_bot': 'Seated a bot',
    'console.action.end_room': 'Ended the game',
    'console.action.pause_session': 'Paused every room',
    'console.action.resume_session': 'Resumed every room',
    'console.action.broadcast': 'Sent a message',
    'console.action.move_participant': 'Moved a student',
    'console.action.close_session': 'Closed enrolment',
    'console.movedTo': 'to room {room}',
    'error.seat_filled': 'A bot already plays that role.',
    'error.no_free_seat': 'That room has no free seat.',
    'error.not_movable': 'Only a student still seated in the room can be moved.',
    'error.no_deadline': 'No timer is running in that room.',
    'error.same_room': 'Choose another room.',
    'error.outcome_unknown': 'It is not known whether that was done: press again, it will not be done twice.',
    'console.confirmEnd': 'End the game in room {room} now? Its players stop where they are; the rounds not yet decided stay undecided.',
    'console.confirmEndYes': 'Yes, end room {room}',
    'console.confirmRemove': 'Remove {name} from the game in room {room}? They cannot come back into this game.',
    'console.confirmRemoveYes': 'Yes, remove {name}',
    'console.confirmClose': 'Close enrolment? Students who have not joined yet can no longer join this session.',
    'console.confirmCloseYes': 'Yes, close enrolment',
    'console.confirmCancel': 'Cancel',
    'console.done.pause': 'Room {room} is paused.',
    'console.done.resume': 'Room {room} plays on.',
    'console.done.extend': 'Room {room} has one more minute.',
    'console.done.end': 'The game in room {room} has ended.',
    'console.done.remove': '{name} is out of the game in room {room}.',
    'console.done.bot': 'A bot plays the role of {name} in room {room}.',
    'console.done.pauseAll': 'Every room is paused.',
    'console.done.resumeAll': 'Every room plays on.',
    'console.done.close': 'Enrolment is closed.',
    'console.done.move': '{name} is now in room {room}.',
    'console.done.refused': 'Not done: {reason}',
    'console.connected': 'Remove: only once they are not connected',
  },
  ko: {
    'console.open': '진행자 콘솔',
    'console.title': '진행자 콘솔',
    'console.back': '로비로 돌아가기',
    'console.create': '수업 세션 열기',
    'console.sessionTitle': '세션 제목',
    'console.topic': '주제',
    'console.createButton': '세션 열기',
    'console.createHint': '비워 둔 설정은 기본값을 씁니다.',
    'console.session': '세션 {title}',
    'console.code': '참여 코드',
    'console.link': '참여 링크',
    'console.qr': '참여 링크의 QR 코드',
    'console.status': '상태',
    'console.status.open': '열림: 학생들이 등록하는 중',
    'console.status.started': '시작됨',
    'console.status.closed': '닫힘',
    'console.pool': '기다리는 학생',
    'console.poolCount': '{count}명 등록',
    'console.poolLate': '늦게 온 학생',
    'console.poolLateCount': '등록했지만 아직 방에 들어가지 않은 학생 {count}명',
    'console.poolLateNone': '등록한 학생은 모두 방에 있습니다. 늦게 오는 학생은 등록하는 대로 방에 들어갑니다.',
    'console.poolNames': '온 순서대로 기다리는 학생',
    'console.unnamed': '학생 {id}',
    'console.refresh': '새로 고침',
    'console.start': '시작: 학생들을 방에 배정하기',
    'console.started': '세션이 시작되었습니다. 방: {count}개.',
    'console.rooms': '방',
    'console.roomsCaption': '세션의 방 (실시간)',
    'console.noRooms': '아직 방이 없습니다.',
    'console.monitorDown': '실시간 보기를 다시 연결하는 중…',
    'console.col.room': '방',
    'console.col.phase': '단계',
    'console.col.round': '라운드',
    'console.col.secondsLeft': '남은 시간',
    'console.noTimer': '없음',
    'console.timerStopped': '멈춤',
    'console.timerStoppedAt': '{time}에 멈춤',
    'console.col.chosen': '선택 / 자리',
    'console.col.presence': '접속 상태',
    'console.col.actions': '조치',
    'console.paused': '멈춤',
    'console.phase.waiting': '대기 중',
    'console.phase.started': '진행 중',
    'console.phase.finished': '끝남',
    'console.presence.present': '참여 중',
    'console.presence.online': '접속 중',
    'console.presence.offline': '연결 안 됨',
    'console.presence.reconnecting': '다시 연결 중',
    'console.presence.dropped': '나감',
    'console.presence.removed': '내보냄',
    'console.presence.moved': '{room} 방으로 옮김',
    'console.presence.bot': '봇',
    'console.pauseShort': '멈추기',
    'console.resumeShort': '다시 시작',
    'console.endShort': '끝내기',
    'console.pause': '{room} 방 멈추기',
    'console.resume': '{room} 방 다시 시작',
    'console.end': '{room} 방 끝내기',
    'console.broadcast': '모든 방에 보내는 메시지',
    'console.message': '메시지 (1~280자)',
    'console.send': '보내기',
    'console.sent': '모든 방에 보냈습니다.',
    'error.not_facilitator': '세션의 진행자(또는 관리자)만 할 수 있습니다.',
    'error.session_not_found': '그 코드의 세션이 없습니다.',
    'error.session_started': '세션이 이미 시작되었습니다.',
    'error.session_not_started': '세션이 아직 시작되지 않았습니다.',
    'error.session_closed': '세션이 닫혔습니다.',
    'error.pool_empty': '아직 등록한 학생이 없습니다.',
    'error.invalid_message': '1~280자의 메시지를 쓰세요.',
    'console.reopen': '진행 중인 세션 열기',
    'console.reopenCode': '참여 코드',
    'console.reopenButton': '열기',
    'console.sessionActions': '모든 방 한꺼번에',
    'console.pauseAll': '모든 방 멈추기',
    'console.resumeAll': '모든 방 다시 시작',
    'console.closeEnrolment': '등록 마감',
    'console.extendShort': '+1분',
    'console.extend': '{room} 방 +1분',
    'console.extendNone': '+1분: 이 방에는 돌아가는 타이머가 없습니다.',
    'console.removeShort': '내보내기',
    'console.remove': '{room} 방의 게임에서 {name} 내보내기',
    'console.botShort': '봇',
    'console.bot': '{room} 방에서 {name}의 역할에 봇 앉히기',
    'console.move': '학생을 다른 방으로 옮기기',
    'console.moveWho': '학생',
    'console.moveTo': '옮길 방',
    'console.moveButton': '옮기기',
    'console.moveNone': '옮길 학생이나 다른 방이 없습니다.',
    'console.log': '지금까지의 조치',
    'console.logEmpty': '아직 조치가 없습니다.',
    'console.logCaption': '세션의 모든 진행자 조치 (오래된 것부터)',
    'console.logCol.when': '시각',
    'console.logCol.action': '조치',
    'console.logCol.room': '방',
    'console.logCol.student': '학생',
    'console.logCol.details': '내용',
    'console.action.pause_room': '방 멈춤',
    'console.action.resume_room': '방 다시 시작',
    'console.action.extend_deadline': '타이머 연장',
    'console.action.remove_participant': '학생 내보냄',
    'console.action.fill_with_bot': '봇 앉힘',
    'console.action.end_room': '게임 끝냄',
    'console.action.pause_session': '모든 방 멈춤',
    'console.action.resume_session': '모든 방 다시 시작',
    'console.action.broadcast': '메시지 보냄',
    'console.action.move_participant': '학생 옮김',
    'console.action.close_session': '등록 마감',
    'console.movedTo': '{room} 방으로',
    'error.seat_filled': '그 역할은 이미 봇이 맡고 있습니다.',
    'error.no_free_seat': '그 방에는 빈자리가 없습니다.',
    'error.not_movable': '아직 방에 앉아 있는 학생만 옮길 수 있습니다.',
    'error.no_deadline': '그 방에는 돌아가는 타이머가 없습니다.',
    'error.same_room': '다른 방을 고르세요.',
    'error.outcome_unknown': '처리되었는지 알 수 없습니다. 다시 누르세요. 두 번 처리되지는 않습니다.',
    'console.confirmEnd': '{room} 방의 게임을 지금 끝낼까요? 학생들은 그 자리에서 멈추고, 아직 정하지 않은 라운드는 정해지지 않은 채로 남습니다.',
    'console.confirmEndYes': '네, {room} 방 끝내기',
    'console.confirmRemove': '{room} 방의 게임에서 {name} 님을 내보낼까요? 이 게임에는 다시 들어올 수 없습니다.',
    'console.confirmRemoveYes': '네, {name} 내보내기',
    'console.confirmClose': '등록을 마감할까요? 아직 들어오지 않은 학생은 더 이상 이 세션에 참여할 수 없습니다.',
    'console.confirmCloseYes': '네, 등록 마감',
    'console.confirmCancel': '취소',
    'console.done.pause': '{room} 방을 멈췄습니다.',
    'console.done.resume': '{room} 방을 다시 시작했습니다.',
    'console.done.extend': '{room} 방에 1분을 더 주었습니다.',
    'console.done.end': '{room} 방의 게임을 끝냈습니다.',
    'console.done.remove': '{room} 방의 게임에서 {name} 님을 내보냈습니다.',
    'console.done.bot': '{room} 방에서 봇이 {name} 님의 역할을 맡습니다.',
    'console.done.pauseAll': '모든 방을 멈췄습니다.',
    'console.done.resumeAll': '모든 방을 다시 시작했습니다.',
    'console.done.close': '등록을 마감했습니다.',
    'console.done.move': '{name} 님은 이제 {room} 방에 있습니다.',
    'console.done.refused': '처리되지 않음: {reason}',
    'console.connected': '내보내기: 연결이 끊긴 뒤에만',
  },
});

/** The roles that may open the console (the session API admits the session's facilitator and admins). */
export const CONSOLE_ROLES = ['facilitator', 'admin'];

/**
 * @typedef {{ room_code: string, user_ids: number[], bots: number, started: boolean }} SessionRoom
 * @typedef {{ session_code: string, join_link: string, qr_svg_path: string, title: string, topic: string, status: string,
 *   pool: number[], pool_members: PoolMember[], rooms: SessionRoom[] }} Session
 * @typedef {{ user_id: number, nickname: string | null, enrolled_at: string }} PoolMember
 * @typedef {{ user_id: number, nickname: string, role_id: number | null, presence: string, is_bot: boolean, connected?: boolean }} MonitoredSeat
 * @typedef {{ type: string, room_code: string, phase: string, round: number, paused: boolean, paused_at?: string | null, seconds_left: number | null, deadline_at: string | null,
 *   chosen: number[], participants: MonitoredSeat[], version: number }} RoomStatus
 * @typedef {{ topic: string, title: string | { ko: string, en: string } }} Topic
 * @typedef {{ actor_id: number, action: string, room_code: string | null, user_id: number | null, reason: string | null,
 *   occurred_at: string, message: string | null, to_room_code: string | null }} FacilitatorAction
 * @typedef {{ kind: 'end' | 'remove' | 'close', path: string, body: Record<string, unknown>, room: string, name: string, from: string }} Confirmation
 *   an action that cannot be undone, asked about before it is sent; from: the id of the button that asked, where focus goes back
 * @typedef {{ key: string, room?: string, name?: string, reason?: string }} Done what the last action did, said in words (console.done.*);
 *   refused: the server's refusal (reason: its error code)
 * @typedef {import('../api.js').Run} Run
 */

/** How often the pool is read again before the start (as often as a waiting student asks for their seat). */
const POOL_POLL_MS = 3000;

/** The session this tab has open in the console, so a reload comes back to it. */
const SESSION_KEY = 'dilemma.console_session';

/** Whether this tab had a session open in the console (a reload goes back there). */
export function consoleSessionStored() {
  return sessionStorage.getItem(SESSION_KEY) !== null;
}

export class ConsolePage {
  /**
   * @param {() => void} onChange redraws the screen
   * @param {(text: string) => void} announce says something in the page's polite live region
   */
  constructor(onChange, announce) {
    this.onChange = onChange;
    this.announce = announce;
    /** @type {Session | null} */
    this.session = null;
    /** @type {string | null} the QR code as a data: URL (the CSP's img-src allows data:, not blob:) */
    this.qr = null;
    /** @type {Map<string, RoomStatus>} each room's latest state from the monitor */
    this.rooms = new Map();
    /** @type {ReconnectingSocket | null} */
    this.monitor = null;
    this.monitorDown = false;
    /** Whether the monitor has opened (again) since the log was last read on its account (see watch). */
    this.logBehindMonitor = false;
    this.sent = false;
    /** What is typed in the forms, kept so that a redraw (the monitor's pushes redraw every second) does not wipe it. */
    this.draft = { title: '', topic: '', message: '', code: '', mover: '', target: '', settings: emptySessionSettings() };
    /** @type {FacilitatorAction[]} */
    this.actions = [];
    /** @type {Map<string, string>} an action's Idempotency-Key, kept until it is answered (see act) */
    this.pendingKeys = new Map();
    /** @type {import('./session-results.js').SessionResults | null} */
    this.results = null;
    /** @type {import('./session-results.js').ScenarioRound[]} the session's scenario, for the options' words */
    this.scenarioRounds = [];
    /** @type {Map<string, ReturnType<typeof setTimeout>>} the reads asked for by a burst of pushes, by what they read (see reloadSoon) */
    this.reloads = new Map();
    this.poolTimer = 0;
    /** @type {Confirmation | null} */
    this.confirming = null;
    /** @type {Done | null} */
    this.done = null;
    /** @type {string | null} the id of the button whose action is under way; it takes the focus back once answered (see view) */
    this.pressed = null;
  }

  /** Leaves the page: the monitor socket is closed, the session is forgotten. */
  leave() {
    this.monitor?.close();
    this.monitor = null;
    this.session = null;
    this.qr = null;
    this.actions = [];
    this.pendingKeys.clear();
    this.results = null;
    this.scenarioRounds = [];
    for (const timer of this.reloads.values()) {
      clearTimeout(timer);
    }
    this.reloads.clear();
    this.rooms.clear();
    this.sent = false;
    this.confirming = null;
    this.done = null;
    window.clearTimeout(this.poolTimer);
  }

  /** Signing out: the page forgets the session too. */
  forget() {
    this.leave();
    sessionStorage.removeItem(SESSION_KEY);
  }

  /** @param {string} title @param {string} topic */
  async create(title, topic) {
    this.leave();
    this.session = await call('POST', '/sessions', await sessionBody(title, topic, this.draft.settings));
    // Left filled in, the form invited a second press that opened a second session for the same class.
    this.draft.title = '';
    sessionStorage.setItem(SESSION_KEY, /** @type {Session} */ (this.session).session_code);
    this.qr = await this.loadQr();
    this.followPool();
    this.onChange();
  }

  /** Back to the session this tab had open, if any; one that cannot be read any more is forgotten. */
  async resume() {
    const code = sessionStorage.getItem(SESSION_KEY);
    if (code && !this.session) {
      try {
        await this.open(code);
      } catch (error) {
        sessionStorage.removeItem(SESSION_KEY);
        throw error;
      }
    }
  }

  /** @param {string} code a session's join code */
  async open(code) {
    this.leave();
    this.session = await call('GET', `/sessions/${encodeURIComponent(code)}`);
    sessionStorage.setItem(SESSION_KEY, /** @type {Session} */ (this.session).session_code);
    this.qr = await this.loadQr();
    this.watch();
    this.followPool();
    await Promise.all([this.loadResults(), this.loadActions()]);
    this.onChange();
  }

  /**
   * Ending a room, removing a student and closing enrolment cannot be undone, and their buttons sit among Pause and
   * +1 min in a dense table: one slip of the pointer ended a group's game. They are asked about first, in a panel away
   * from the button (a double click cannot land on Yes), and focus goes to the question so a keyboard or screen reader
   * user meets it at once.
   * @param {Confirmation} confirmation
   */
  ask(confirmation) {
    this.confirming = confirmation;
    this.onChange();
    document.getElementById('console-confirm')?.focus();
  }

  cancelConfirmation() {
    const from = this.confirming?.from;
    this.confirming = null;
    this.onChange();
    if (from) {
      document.getElementById(from)?.focus();
    }
  }

  /** @param {boolean} busy @param {(action: () => Promise<void>) => void} run */
  confirmationPanel(busy, run) {
    const asked = this.confirming;
    if (!asked) {
      return null;
    }
    const words = { room: asked.room, name: asked.name };
    const key = asked.kind === 'end' ? 'console.confirmEnd' : asked.kind === 'remove' ? 'console.confirmRemove' : 'console.confirmClose';
    return h('div', {
      class: 'notice warn', id: 'console-confirm', role: 'group', tabindex: -1, 'aria-labelledby': 'console-confirm-question', 'data-kind': asked.kind,
      onkeydown: onEscape(() => this.cancelConfirmation()),
    },
      h('p', { id: 'console-confirm-question' }, t(key, words)),
      h('div', { class: 'row' },
        h('button', {
          type: 'button',
          class: 'danger',
          id: 'console-confirm-yes',
          disabled: busy,
          onclick: () => run(async () => {
            this.confirming = null;
            try {
              await this.act(asked.path, asked.body, { key: asked.kind, room: asked.room, name: asked.name });
            } finally {
              // The panel and often the button that asked are gone: the words of what was done, or refused, take the focus.
              document.getElementById('console-done')?.focus();
            }
          }),
        }, t(`${key}Yes`, words)),
        h('button', { type: 'button', class: 'secondary', id: 'console-confirm-cancel', onclick: () => this.cancelConfirmation() }, t('console.confirmCancel'))));
  }

  /**
   * Sends a facilitator action with an Idempotency-Key that stays the same until the action is answered: pressed again
   * after a lost answer (a network error, a 5xx) it is the same action to the server, which does it at most once; after
   * an answer, a press is a new action (a second extension extends again).
   * Once answered, what was done is said in words beside the rooms (and to a screen reader): the table's change alone
   * was easy to miss, and a press that did nothing looked the same as one that did.
   * @param {string} path under the session
   * @param {Record<string, unknown>} body
   * @param {Done | null} done
   */
  async act(path, body = {}, done = null) {
    const session = /** @type {Session} */ (this.session);
    const action = `${path} ${JSON.stringify(body)}`;
    const key = this.pendingKeys.get(action) ?? crypto.randomUUID();
    this.pendingKeys.set(action, key);
    this.done = null;
    try {
      const answer = await call('POST', `/sessions/${session.session_code}${path}`, body, { headers: { 'Idempotency-Key': key } });
      this.pendingKeys.delete(action);
      this.done = done;
      if (answer?.session_code) {
        this.session = answer;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        this.pendingKeys.delete(action);
        // Said beside the rooms too, where the focus goes after a confirmed action: the alert at the top of the page
        // was out of sight of a facilitator working down the table (a removal refused because the student came back).
        this.done = { key: 'refused', reason: error.code };
      }
      throw error;
    } finally {
      await this.loadActions().catch(() => {});
      this.onChange();
    }
  }

  /** The session's audited actions, oldest first. */
  async loadActions() {
    const session = this.session;
    if (session) {
      const actions = await call('GET', `/sessions/${session.session_code}/actions`);
      if (this.session?.session_code === session.session_code) {
        this.actions = actions;
      }
    }
  }

  async reload() {
    if (this.session) {
      this.session = await call('GET', `/sessions/${this.session.session_code}`);
      this.watch();
      this.followPool();
      await Promise.all([this.loadResults(), this.loadActions()]);
      this.onChange();
    }
  }

  async start() {
    if (this.session) {
      this.session = await call('POST', `/sessions/${this.session.session_code}/start`, {});
      this.watch();
      await this.loadResults();
      this.onChange();
      this.announceStart();
    }
  }

  /**
   * The start in words, beside the focus moving to the rooms' table (it stands in for Start): the rooms appear above
   * where the pool was, and a screen reader user heard only the table's name, not that the class had been seated.
   */
  announceStart() {
    this.announce(t('console.started', { count: number(this.session?.rooms.length ?? 0) }));
  }

  /**
   * Before the start the monitor has no rooms to push, and the pool count stood at what the page read last (0 while
   * the class came in) until Refresh was pressed: it is read again every few seconds until the session starts or closes.
   */
  followPool() {
    window.clearTimeout(this.poolTimer);
    const session = this.session;
    if (!session || session.status !== 'open') {
      return;
    }
    this.poolTimer = window.setTimeout(() => {
      call('GET', `/sessions/${session.session_code}`)
        .then((fresh) => {
          // An answer overtaken by the start (or by another session opened here) is old news.
          if (this.session?.session_code === session.session_code && this.session.status === 'open') {
            this.session = fresh;
            this.watch();
            if (fresh.status !== 'open') {
              // Started from another tab: its rooms' results are read as after a start here.
              this.loadResults().then(() => this.onChange(), () => {});
            }
            this.onChange();
            if (fresh.status === 'started') {
              this.announceStart();
            }
          }
        }, () => {})
        .finally(() => {
          if (this.session?.session_code === session.session_code) {
            this.followPool();
          }
        });
    }, POOL_POLL_MS);
  }

  /** The results across the rooms, once the session has rooms; the scenario's words for the options are fetched once. */
  async loadResults() {
    const session = this.session;
    if (!session || session.status === 'open') {
      return;
    }
    if (this.scenarioRounds.length === 0) {
      this.scenarioRounds = (await call('GET', `/scenarios/${encodeURIComponent(session.topic)}?lang=all`)).rounds;
    }
    const results = await call('GET', `/sessions/${session.session_code}/results`);
    if (this.session?.session_code === session.session_code) {
      this.results = results;
    }
  }

  /**
   * A room that moved to another round or phase has closed a round: the results are fetched again, once for a burst of
   * such pushes (rooms started together tend to close their rounds together). A failure waits for the next change.
   */
  resultsChanged() {
    this.reloadSoon('results', () => this.loadResults());
  }

  /**
   * An action was audited (the monitor's facilitator_action, pushed once its row is written, from this tab or another): the
   * log is read again, once for a burst. What the facilitator did from a phone walking round the class, or a
   * co-facilitator did, would otherwise stay missing until a reload.
   */
  actionsChanged() {
    this.reloadSoon('actions', () => this.loadActions());
  }

  /**
   * Reads something again half a second from the first call of a burst; the rest of the burst joins that read.
   * @param {string} what @param {() => Promise<void>} load
   */
  reloadSoon(what, load) {
    if (this.reloads.has(what)) {
      return;
    }
    this.reloads.set(what, setTimeout(() => {
      this.reloads.delete(what);
      load().then(() => this.onChange(), () => {});
    }, 500));
  }

  /**
   * Runs a button's action and gives that button (or the one drawn in its place) the focus back once it is answered.
   * @param {string} id @param {Run} run @param {() => Promise<void>} action
   * @param {HTMLFormElement} [form] the form the action sends, whose field an error answer names is marked
   */
  press(id, run, action, form) {
    this.pressed = id;
    run(action, form);
  }

  /** @param {string} message */
  async broadcast(message) {
    if (this.session) {
      this.sent = false;
      await this.act('/broadcast', { message });
      this.sent = true;
      this.onChange();
    }
  }

  /**
   * The QR code is behind the bearer token, so an <img src> cannot fetch it itself: it is fetched here and shown
   * as a data: URL in an <img>, where an SVG runs no script and the page's CSP needs no loosening.
   * @returns {Promise<string>}
   */
  async loadQr() {
    const response = await fetchAuthorized(/** @type {Session} */ (this.session).qr_svg_path);
    const svg = new Uint8Array(await response.arrayBuffer());
    let binary = '';
    for (const byte of svg) {
      binary += String.fromCharCode(byte);
    }
    return `data:image/svg+xml;base64,${btoa(binary)}`;
  }

  /** Opens the monitor once the session has rooms (they exist from the start on); it pushes every room's state. */
  watch() {
    const session = this.session;
    if (!session || this.monitor || session.rooms.length === 0) {
      return;
    }
    const code = session.session_code;
    this.monitor = new ReconnectingSocket(
      // The monitor admits an access token only (tickets carry no roles). The ticket fetched before each attempt
      // is not used, but fetching it refreshes an expired access token first, so the token sent here is current.
      () => `/ws/sessions/${encodeURIComponent(code)}/monitor?token=${encodeURIComponent(currentSession()?.access_token ?? '')}`,
      {
        onOpen: () => {
          this.monitorDown = false;
          this.logBehindMonitor = true;
          this.onChange();
        },
        onMessage: (message) => {
          if (this.logBehindMonitor) {
            // The monitor pushes only from when it registered with the session, just before its first message: what was
            // audited while it was down (or while the server had lost it, which closes it) is in the log read from here.
            this.logBehindMonitor = false;
            this.actionsChanged();
          }
          if (message.type === 'facilitator_action') {
            this.actionsChanged();
          } else if (message.type === 'room_status') {
            const status = /** @type {RoomStatus} */ (/** @type {unknown} */ (message));
            const known = this.rooms.get(status.room_code);
            if (!known || known.version <= status.version) {
              this.rooms.set(status.room_code, status);
              if (known && (known.round !== status.round || known.phase !== status.phase)) {
                this.resultsChanged();
              }
              this.onChange();
            }
          }
        },
        onDown: () => {
          this.monitorDown = true;
          this.onChange();
        },
      });
  }

  /**
   * @param {Topic[]} topics
   * @param {boolean} busy
   * @param {Run} run runs an action with the app's error handling
   * @param {() => void} back
   * @returns {HTMLElement[]}
   */
  view(topics, busy, run, back) {
    if (!busy && this.pressed) {
      const pressed = this.pressed;
      this.pressed = null;
      // After the app's redraw (this runs inside it): the button was disabled while its action ran and is often drawn
      // again as another (Pause as Resume), so a keyboard user was left on the page's body.
      queueMicrotask(() => refocus(pressed));
    }
    // The session open here comes first: under the two forms for opening another one, the live rooms began two
    // screens down a laptop, out of sight while the class played.
    return [
      h('h2', { id: 'screen-title', tabindex: -1 }, t('console.title')),
      h('button', { type: 'button', class: 'secondary', id: 'console-back', disabled: busy, onclick: back }, t('console.back')),
      ...(this.session ? this.sessionSections(this.session, busy, run) : []),
      this.createSection(topics, busy, run),
      this.reopenSection(busy, run),
    ];
  }

  /** @param {boolean} busy @param {Run} run */
  reopenSection(busy, run) {
    return h('form', {
      class: 'card',
      id: 'reopen-form',
      'aria-labelledby': 'reopen-title',
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        const code = this.draft.code.trim().toUpperCase();
        run(async () => {
          await this.open(code);
          this.draft.code = '';
          focusSession();
        }, 'reopen-code');
      },
    },
    h('h3', { id: 'reopen-title' }, t('console.reopen')),
    h('label', { for: 'reopen-code' }, t('console.reopenCode')),
    h('input', { type: 'text', id: 'reopen-code', name: 'code', maxlength: 16, required: true, autocomplete: 'off', value: this.draft.code, oninput: keeper(this.draft)('code') }),
    h('button', { type: 'submit', id: 'reopen-submit', disabled: busy }, t('console.reopenButton')));
  }

  /** @param {Topic[]} topics @param {boolean} busy @param {Run} run */
  createSection(topics, busy, run) {
    const keep = keeper(this.draft);
    const chosen = this.draft.topic || (topics[0]?.topic ?? '');
    return h('form', {
      class: 'card',
      id: 'session-form',
      'aria-labelledby': 'session-form-title',
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        const title = this.draft.title.trim();
        const topic = this.draft.topic || (topics[0]?.topic ?? '');
        run(async () => {
          await this.create(title, topic);
          focusSession();
        }, /** @type {HTMLFormElement} */ (event.currentTarget));
      },
    },
    h('h3', { id: 'session-form-title' }, t('console.create')),
    h('p', { class: 'hint' }, t('console.createHint')),
    h('label', { for: 'session-title' }, t('console.sessionTitle')),
    h('input', { type: 'text', id: 'session-title', name: 'title', maxlength: 100, required: true, value: this.draft.title, oninput: keep('title') }),
    radioGroup({
      id: 'session-topic',
      legend: t('console.topic'),
      name: 'topic',
      items: topics.map((topic) => ({ value: topic.topic, label: pick(topic.title) || topic.topic })),
      checked: chosen,
      onchange: keep('topic'),
    }),
    sessionSettingsFields(this.draft.settings, () => this.onChange()),
    h('button', { type: 'submit', id: 'session-submit', disabled: busy }, t('console.createButton')));
  }

  /** @param {Session} session @param {boolean} busy @param {Run} run */
  sessionSections(session, busy, run) {
    const open = session.status === 'open';
    // After the start late arrivals are seated in a room as they enrol: "Students waiting: 0 enrolled" read as if the
    // class had vanished. It says who is still without a room.
    const pool = h('section', { class: 'card', id: 'pool', 'aria-labelledby': 'pool-title' },
      h('h3', { id: 'pool-title' }, t(open ? 'console.pool' : 'console.poolLate')),
      h('p', { id: 'pool-count', 'data-count': session.pool.length },
        open || session.pool.length > 0 ? t(open ? 'console.poolCount' : 'console.poolLateCount', { count: number(session.pool.length) }) : t('console.poolLateNone')),
      // By name, in the order they came: a facilitator checks the class is all there before the start.
      session.pool_members.length > 0
        ? h('ul', { class: 'names', id: 'pool-members', 'aria-label': t('console.poolNames') }, session.pool_members.map((member) =>
          h('li', { 'data-user-id': member.user_id }, member.nickname ?? t('console.unnamed', { id: member.user_id }))))
        : null,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', id: 'pool-refresh', disabled: busy, onclick: () => run(() => this.reload()) }, t('console.refresh')),
        open ? h('button', { type: 'button', id: 'session-start', disabled: busy, onclick: () => run(() => this.start()) }, t('console.start')) : null));
    return [
      h('section', { class: 'card', id: 'session-card', 'aria-labelledby': 'session-heading', 'data-session-code': session.session_code },
        h('h3', { id: 'session-heading', tabindex: -1 }, t('console.session', { title: session.title })),
        h('dl', { class: 'counts' },
          h('div', {}, h('dt', {}, t('console.code')), h('dd', {}, h('code', { id: 'session-code' }, session.session_code))),
          h('div', {}, h('dt', {}, t('console.status')), h('dd', { id: 'session-status', 'data-status': session.status },
            t(`console.status.${session.status}`))),
          // A row of its own: in a box of the code's width the link broke every few characters.
          h('div', { class: 'wide' }, h('dt', {}, t('console.link')), h('dd', {}, h('a', { id: 'join-link', href: session.join_link }, session.join_link)))),
        this.qr ? h('img', { id: 'session-qr', src: this.qr, alt: t('console.qr'), width: 240, height: 240 }) : null),
      // Once started, the pool (late arrivals are seated by themselves) gives way to the live rooms.
      open ? pool : null,
      open ? null : this.roomsSection(session, busy, run),
      open ? null : this.moveSection(busy, run),
      open || !this.results ? null : sessionResultsSection(this.results, this.scenarioRounds, busy, () => run(() => this.reload())),
      open ? null : this.broadcastSection(busy, run),
      this.logSection(),
      open ? null : pool,
    ].filter((section) => section !== null);
  }

  /** @param {Session} session @param {boolean} busy @param {(action: () => Promise<void>) => void} run */
  roomsSection(session, busy, run) {
    const codes = session.rooms.map((room) => room.room_code);
    for (const code of this.rooms.keys()) {
      if (!codes.includes(code)) {
        codes.push(code);
      }
    }
    /** @param {string} id @param {string} path @param {string} label @param {string} done */
    const sessionButton = (id, path, label, done) =>
      h('button', { type: 'button', class: 'secondary', id, disabled: busy, onclick: () => this.press(id, run, () => this.act(path, {}, { key: done })) }, t(label));
    return h('section', { class: 'card', id: 'console-rooms', 'aria-labelledby': 'console-rooms-title' },
      h('h3', { id: 'console-rooms-title' }, t('console.rooms')),
      h('div', { class: 'row', role: 'group', 'aria-label': t('console.sessionActions') },
        sessionButton('session-pause', '/pause', 'console.pauseAll', 'pauseAll'),
        sessionButton('session-resume', '/resume', 'console.resumeAll', 'resumeAll'),
        session.status === 'closed'
          ? null
          : h('button', {
            type: 'button',
            class: 'danger',
            id: 'session-close',
            disabled: busy,
            onclick: () => this.ask({ kind: 'close', path: '/close', body: {}, room: '', name: '', from: 'session-close' }),
          }, t('console.closeEnrolment'))),
      this.confirmationPanel(busy, run),
      h('p', { id: 'console-done', role: 'status', tabindex: -1, 'data-done': this.done?.key ?? '' },
        this.done ? t(`console.done.${this.done.key}`, { room: this.done.room ?? '', name: this.done.name ?? '', reason: refusal(this.done.reason) }) : ''),
      this.monitorDown ? h('p', { class: 'tag warn', id: 'monitor-down' }, t('console.monitorDown')) : null,
      codes.length === 0
        ? h('p', { class: 'muted' }, t('console.noRooms'))
        // The scrolling region is named by its table's caption: named by the section's heading, it was a second region
        // of the same name inside the first, two landmarks a screen reader could not tell apart.
        // It stands in for Start, which goes as the rooms come: the focus went to the page's heading, a screen away from
        // the rooms a facilitator acts on next. Its id keeps it the same element through redraws, as it keeps the focus
        // for a room's button taken away under it (main.js holderOf).
        : h('div', { class: 'table-wrap', id: 'rooms-region', tabindex: 0, role: 'region', 'aria-labelledby': 'rooms-caption', 'data-stands-for': 'session-start' },
          h('table', { id: 'rooms-table' },
            h('caption', { id: 'rooms-caption' }, t('console.roomsCaption')),
            h('thead', {}, h('tr', {},
              ['room', 'phase', 'round', 'secondsLeft', 'chosen', 'presence', 'actions'].map((column) => h('th', { scope: 'col' }, t(`console.col.${column}`))))),
            h('tbody', {}, codes.map((code) => this.roomRow(code, busy, run))))));
  }

  /** @param {string} code @param {boolean} busy @param {(action: () => Promise<void>) => void} run */
  roomRow(code, busy, run) {
    const status = this.rooms.get(code);
    const seats = status?.participants ?? [];
    const live = status && status.phase !== 'finished';
    /** @param {'pause' | 'resume' | 'end' | 'extend'} action @param {boolean} [enabled] */
    const button = (action, enabled = true) => h('button', {
      type: 'button',
      class: action === 'end' ? 'danger' : 'secondary',
      id: `room-${action}-${code}`,
      disabled: busy || !live || !enabled,
      // The table's row says which room: the button shows a short word, a screen reader hears the room with it.
      'aria-label': t(`console.${action}`, { room: code }),
      'aria-describedby': action === 'extend' && !enabled && live ? `room-extend-why-${code}` : null,
      // Pause is drawn again as Resume (and back): the focus on the one follows to the other (main.js render).
      'data-stands-for': action === 'pause' ? `room-resume-${code}` : action === 'resume' ? `room-pause-${code}` : null,
      onclick: action === 'end'
        ? () => this.ask({ kind: 'end', path: `/rooms/${code}/end`, body: {}, room: code, name: '', from: `room-end-${code}` })
        : () => this.press(`room-${action}-${code}`, run, () => this.act(`/rooms/${code}/${action}`, action === 'extend' ? { seconds: 60 } : {}, { key: action, room: code })),
    }, t(`console.${action}Short`));
    /** @param {MonitoredSeat} seat @param {'remove' | 'bot'} action */
    const seatButton = (seat, action) => {
      const id = `seat-${action}-${code}-${seat.user_id}`;
      // A student with a socket open cannot be removed (409 participant_present): offered disabled, the reason beside it.
      const connected = action === 'remove' && seat.connected === true;
      return h('button', {
        type: 'button',
        class: 'secondary small',
        id,
        disabled: busy || !live || connected,
        'aria-label': t(`console.${action}`, { name: displayName(seat), room: code }),
        'aria-describedby': connected ? `seat-connected-${code}-${seat.user_id}` : null,
        onclick: action === 'remove'
          ? () => this.ask({ kind: 'remove', path: `/rooms/${code}/remove`, body: { user_id: seat.user_id }, room: code, name: displayName(seat), from: id })
          : () => this.press(id, run, () => this.act(`/rooms/${code}/${action}`, { user_id: seat.user_id }, { key: action, room: code, name: displayName(seat) })),
      }, t(`console.${action}Short`));
    };
    // The room says only "removed" of a seat its student was moved out of; the session's log says where to.
    const moves = new Map(this.actions
      .filter((action) => action.action === 'move_participant' && action.room_code === code && action.user_id != null && action.to_room_code)
      .map((action) => [Number(action.user_id), String(action.to_room_code)]));
    const playing = seats.filter((seat) => seatState(seat, null).rank === 0);
    // A role someone still plays (a bot, a student present or coming back, one moved in) cannot take a bot.
    const playedRoles = new Set(seats.filter((seat) => seat.is_bot || seat.presence === 'present' || seat.presence === 'reconnecting').map((seat) => seat.role_id));
    return h('tr', { 'data-room-code': code, 'data-phase': status?.phase ?? '' },
      h('th', { scope: 'row' }, code),
      h('td', { 'data-column': 'phase' }, status ? t(`console.phase.${status.phase}`) : '…', status?.paused ? [' ', h('span', { class: 'tag warn' }, t('console.paused'))] : null),
      h('td', { 'data-column': 'round' }, status ? number(status.round) : ''),
      timeLeftCell(status),
      // Counted as the room waits: those still playing (a bot, present, reconnecting). A removed seat counted, a room read
      // 0 / 4 after a student was moved in; one who chose and then left counted on top of the others.
      h('td', { 'data-column': 'chosen' }, status ? `${number(playing.filter((seat) => status.chosen.includes(seat.user_id)).length)} / ${number(playing.length)}` : ''),
      // Those playing first, then who dropped out, then the seats that left the game (removed, moved): a moved student
      // was listed among the players as "removed", with a Bot button, while the log said they had been moved.
      h('td', { 'data-column': 'presence' }, seatsInOrder(seats).map((seat) => {
        const state = seatState(seat, moves.get(seat.user_id) ?? null);
        return h('div', { class: state.rank === 2 ? 'seat gone' : 'seat', 'data-user-id': seat.user_id, 'data-state': state.key },
          h('span', { class: state.tag }, `${displayName(seat)}: ${state.text}`),
          // The server decides: these offer what may apply, and say why Remove waits while a student is connected.
          !seat.is_bot && seat.presence !== 'removed' && seat.connected === true
            ? h('span', { class: 'hint', id: `seat-connected-${code}-${seat.user_id}` }, t('console.connected'))
            : null,
          !seat.is_bot && seat.presence !== 'removed' ? seatButton(seat, 'remove') : null,
          !seat.is_bot && seat.presence !== 'present' && seat.presence !== 'reconnecting' && !playedRoles.has(seat.role_id) ? seatButton(seat, 'bot') : null);
      })),
      h('td', {}, h('div', { class: 'row' },
        status?.paused ? button('resume') : button('pause'),
        button('extend', status?.seconds_left != null),
        button('end')),
      // "+1 min" was greyed out with no word why: it moves a running timer on, and this room has none.
      live && status?.seconds_left == null ? h('p', { class: 'hint', id: `room-extend-why-${code}` }, t('console.extendNone')) : null));
  }

  /**
   * Who may be moved (a student seated in a room still playing) and where (any other room); the session grain says
   * whether the target has a free seat.
   * @param {boolean} busy @param {Run} run
   */
  moveSection(busy, run) {
    const movers = [...this.rooms.values()].filter((room) => room.phase !== 'finished').flatMap((room) => room.participants
      .filter((seat) => !seat.is_bot && seat.presence !== 'removed')
      .map((seat) => ({ value: `${room.room_code}:${seat.user_id}`, label: `${seat.nickname} (${room.room_code})` })));
    const targets = [...this.rooms.values()].filter((room) => room.phase !== 'finished').map((room) => room.room_code);
    const keep = keeper(this.draft);
    const mover = movers.some((m) => m.value === this.draft.mover) ? this.draft.mover : (movers[0]?.value ?? '');
    const from = mover.split(':')[0];
    const choices = targets.filter((code) => code !== from);
    const target = choices.includes(this.draft.target) ? this.draft.target : (choices[0] ?? '');
    return h('form', {
      class: 'card',
      id: 'move-form',
      'aria-labelledby': 'move-title',
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        const [room, user] = mover.split(':');
        const name = this.rooms.get(room)?.participants.find((seat) => seat.user_id === Number(user))?.nickname ?? user;
        this.press('move-submit', run, () => this.act(`/rooms/${room}/move`, { user_id: Number(user), to_room_code: target }, { key: 'move', room: target, name }),
          /** @type {HTMLFormElement} */ (event.currentTarget));
      },
    },
    h('h3', { id: 'move-title' }, t('console.move')),
    movers.length === 0 || choices.length === 0
      // Stands in for the fields a room's end or a move took away under the focus, which fell back to the page's
      // heading: this says why the form is gone, where the facilitator was.
      ? h('p', { class: 'muted', id: 'move-none', tabindex: -1, 'data-stands-for': 'move-who move-to move-submit' }, t('console.moveNone'))
      : [
        // Radios, not a select: a nickname may be 32 letters, which a select cut off on a phone. Drawn again at once:
        // the rooms offered are the other rooms than the student's, and were those of the student shown first until a
        // room's next change.
        radioGroup({
          id: 'move-who',
          legend: t('console.moveWho'),
          name: 'user_id',
          items: movers,
          checked: mover,
          onchange: (/** @type {Event} */ event) => {
            keep('mover')(event);
            this.onChange();
          },
        }),
        h('label', { for: 'move-to' }, t('console.moveTo')),
        h('select', { id: 'move-to', name: 'to_room_code', onchange: keep('target') },
          choices.map((code) => h('option', { value: code, selected: code === target }, code))),
        h('button', { type: 'submit', id: 'move-submit', disabled: busy }, t('console.moveButton')),
      ]);
  }

  /** The audit of the session as the server keeps it (GET /sessions/{code}/actions), newest last. */
  logSection() {
    const seats = new Map([...this.rooms.values()].flatMap((room) => room.participants.map((seat) => [seat.user_id, displayName(seat)])));
    return h('section', { class: 'card', id: 'action-log', 'aria-labelledby': 'action-log-title' },
      h('h3', { id: 'action-log-title' }, t('console.log')),
      this.actions.length === 0
        ? h('p', { class: 'muted' }, t('console.logEmpty'))
        // Named by its caption, as the rooms' table is (see there).
        : h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'action-log-caption' },
          h('table', { id: 'action-log-table' },
            h('caption', { id: 'action-log-caption' }, t('console.logCaption')),
            h('thead', {}, h('tr', {},
              ['when', 'action', 'room', 'student', 'details'].map((column) => h('th', { scope: 'col' }, t(`console.logCol.${column}`))))),
            h('tbody', {}, this.actions.map((action) => h('tr', { 'data-action': action.action },
              h('td', {}, when(action.occurred_at)),
              h('td', {}, t(`console.action.${action.action}`)),
              h('td', {}, action.room_code ?? ''),
              h('td', {}, action.user_id == null ? '' : seats.get(action.user_id) ?? String(action.user_id)),
              h('td', {}, [action.message, action.to_room_code ? t('console.movedTo', { room: action.to_room_code }) : null, action.reason]
                .filter(Boolean).join(' · '))))))));
  }

  /** @param {boolean} busy @param {Run} run */
  broadcastSection(busy, run) {
    return h('form', {
      class: 'card',
      id: 'broadcast-form',
      'aria-labelledby': 'broadcast-title',
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        const message = this.draft.message.trim();
        run(async () => {
          await this.broadcast(message);
          this.draft.message = '';
        }, /** @type {HTMLFormElement} */ (event.currentTarget));
      },
    },
    h('h3', { id: 'broadcast-title' }, t('console.broadcast')),
    h('label', { for: 'broadcast-message' }, t('console.message')),
    h('input', { type: 'text', id: 'broadcast-message', name: 'message', maxlength: 280, value: this.draft.message, oninput: keeper(this.draft)('message') }),
    h('button', { type: 'submit', id: 'broadcast-submit', disabled: busy }, t('console.send')),
    h('p', { id: 'broadcast-status', role: 'status' }, this.sent ? t('console.sent') : ''));
  }
}

/**
 * The session just opened from a form takes the focus, at its heading: the button pressed sits under the forms at the
 * foot of the page, and the focus left there (or on the page's body) kept a keyboard user away from the session above.
 */
function focusSession() {
  document.getElementById('session-heading')?.focus();
}

/**
 * Focus to a button after its action: itself, or the button drawn in its place (data-stands-for), or else the words
 * of what was done.
 * @param {string} id
 */
function refocus(id) {
  if (document.activeElement?.getAttribute('aria-invalid') === 'true') {
    // An error answer put the focus on the field it named (main.js run): it stays there, to be put right.
    return;
  }
  const target = [document.getElementById(id), standIn(id)]
    .find((element) => element instanceof HTMLButtonElement && !element.disabled);
  (target instanceof HTMLElement ? target : document.getElementById('console-done'))?.focus();
}

/**
 * A seat of the monitor in words. "present" covers a student who never connected as well as one online, and only the
 * former may be removed: the tag says which, so it agrees with the Remove button beside it. rank orders the seats:
 * 0 playing, 1 dropped out (may come back, or be removed or replaced by a bot), 2 out of the game (removed, moved).
 * @param {MonitoredSeat} seat @param {string | null} movedTo the room the session's log says this seat's student was moved to
 * @returns {{ key: string, text: string, tag: string, rank: number }}
 */
function seatState(seat, movedTo) {
  if (seat.is_bot) {
    return { key: 'bot', text: t('console.presence.bot'), tag: 'tag ok', rank: 0 };
  }
  if (seat.presence === 'removed') {
    return movedTo
      ? { key: 'moved', text: t('console.presence.moved', { room: movedTo }), tag: 'tag', rank: 2 }
      : { key: 'removed', text: t('console.presence.removed'), tag: 'tag', rank: 2 };
  }
  if (seat.presence === 'present') {
    const key = seat.connected === true ? 'online' : seat.connected === false ? 'offline' : 'present';
    return { key, text: t(`console.presence.${key}`), tag: key === 'offline' ? 'tag warn' : 'tag ok', rank: 0 };
  }
  return {
    key: seat.presence,
    text: has(`console.presence.${seat.presence}`) ? t(`console.presence.${seat.presence}`) : seat.presence,
    tag: 'tag warn',
    rank: seat.presence === 'dropped' ? 1 : 0,
  };
}

/**
 * The seats as the console lists them: playing, then dropped out, then out of the game, each in the room's order.
 * @param {MonitoredSeat[]} seats
 */
function seatsInOrder(seats) {
  const rank = (/** @type {MonitoredSeat} */ seat) => seatState(seat, null).rank;
  return seats.map((seat, index) => ({ seat, index })).sort((a, b) => rank(a.seat) - rank(b.seat) || a.index - b.index).map((entry) => entry.seat);
}

/** @param {string | undefined} code an error code the server refused an action with, in words where the app has them */
function refusal(code) {
  return code ? (has(`error.${code}`) ? t(`error.${code}`) : code) : '';
}

/**
 * A room's running deadline, counted down here each second from its deadline_at: the monitor pushes a room only when it
 * changes, so the seconds left as of that push would stand still. Paused, the deadline stands still too (the room moves it
 * on by the pause at the resume).
 * @param {RoomStatus | undefined} status
 */
function timeLeftCell(status) {
  if (!status?.deadline_at) {
    return h('td', { 'data-column': 'seconds-left', class: 'muted' }, status ? t('console.noTimer') : '');
  }
  return status.paused
    ? h('td', { 'data-column': 'seconds-left', 'data-paused': 'true' },
      status.paused_at ? t('console.timerStoppedAt', { time: countdown(status.deadline_at, status.paused_at) }) : t('console.timerStopped'))
    : h('td', { 'data-column': 'seconds-left', 'data-deadline': status.deadline_at }, countdown(status.deadline_at));
}

// One tick for every room's countdown; drawing the console again each second would reset what is being typed in its forms.
window.setInterval(() => {
  for (const cell of document.querySelectorAll('#rooms-table td[data-deadline]')) {
    const deadline = /** @type {HTMLElement} */ (cell).dataset.deadline;
    if (deadline) {
      cell.textContent = countdown(deadline);
    }
  }
}, 1000);

/**
 * @param {{ title: string, topic: string, message: string, code: string, mover: string, target: string }} draft
 * @returns {(key: 'title' | 'topic' | 'message' | 'code' | 'mover' | 'target') => (event: Event) => void} a listener that keeps a field's value in the draft
 */
function keeper(draft) {
  return (key) => (event) => {
    draft[key] = /** @type {HTMLInputElement} */ (event.currentTarget).value;
  };
}
