// A student's way into a class session (POST /sessions/{code}/enrol): by the join link the console shows as a link and a
// QR code (/?session=CODE) or by typing its code in the lobby. Enrolled, the student waits in the pool until the
// facilitator starts; the page asks again every few seconds (enrolling again answers the same seat) and goes into the
// room the session seated them in as soon as there is one.

import { ApiError, call } from '../api.js';
import { h } from '../dom.js';
import { addStrings, pick, t } from '../i18n.js';

const STORAGE_KEY = 'dilemma.class_session';

// A pool of thirty asks ten times a second: cheap for the session grain, and a start is seen within this.
const POLL_MS = 3000;

// An ask not answered by then is given up and made again (enrolling again answers the same seat): one lost on the
// way no longer ends the asking. Longer than the server's own wait on the session grain (8 s), whose 503 comes first.
const POLL_TIMEOUT_MS = 10_000;

addStrings({
  en: {
    'class.title': 'Class session {code}',
    'class.joining': 'Joining the class session…',
    'class.waiting': 'You are in. Your facilitator will start the session; your room then opens here by itself.',
    'class.waitingSince': 'Waiting for the start…',
    'class.back': 'Leave and go back to the lobby',
    'error.already_seated': 'The session has already given you a seat in a room. To leave, leave the game from the room.',
    'class.consentTitle': 'This class session asks for your consent',
    'class.consentIntro': 'Your facilitator records this session for research. To take part, agree to the text below.',
    'class.consentButton': 'Agree and join',
    'class.fromLink': 'You are joining class session {code}. Sign in as a guest (a nickname is enough) and you will be taken there.',
    'lobby.classTitle': 'Join a class session',
    'lobby.classCode': 'Session code (10 characters, from your facilitator)',
    'lobby.classButton': 'Join the class',
    'error.session_full': 'This class session is full. Ask your facilitator.',
    'error.consent_required': 'This class session needs your consent to data use, and to voice recording when it asks for voice: tick what it needs.',
  },
  ko: {
    'class.title': '수업 세션 {code}',
    'class.joining': '수업 세션에 들어가는 중…',
    'class.waiting': '등록되었습니다. 진행자가 세션을 시작하면 내 방이 이 화면에서 저절로 열립니다.',
    'class.waitingSince': '시작을 기다리는 중…',
    'class.back': '나가서 로비로 돌아가기',
    'error.already_seated': '세션이 이미 방에 자리를 정했습니다. 나가려면 방에서 게임을 나가세요.',
    'class.consentTitle': '이 수업 세션은 동의가 필요합니다',
    'class.consentIntro': '진행자가 이 세션을 연구용으로 기록합니다. 참여하려면 아래 내용에 동의하세요.',
    'class.consentButton': '동의하고 참여',
    'class.fromLink': '수업 세션 {code}에 들어가는 중입니다. 게스트로 로그인하면(닉네임만 있으면 됩니다) 그곳으로 이동합니다.',
    'lobby.classTitle': '수업 세션 참여',
    'lobby.classCode': '세션 코드(10자, 진행자에게 받은 코드)',
    'lobby.classButton': '수업에 참여',
    'error.session_full': '이 수업 세션은 자리가 다 찼습니다. 진행자에게 문의하세요.',
    'error.consent_required': '이 수업 세션에는 데이터 이용 동의가, 음성을 쓰는 세션이면 음성 녹음 동의도 필요합니다. 필요한 항목에 체크하세요.',
  },
});

/**
 * Keeps the code a join link brought (until the student is seated: a sign-in on the way does not lose it) and takes it
 * out of the address, so a reload or a shared screenshot does not carry it on.
 */
export function takeJoinLinkCode() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('session');
  if (code === null) {
    return;
  }
  if (code.trim() !== '') {
    sessionStorage.setItem(STORAGE_KEY, code.trim().toUpperCase());
  }
  params.delete('session');
  const rest = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`);
}

/** The class session this tab is on its way into, if any. */
export function classSessionStored() {
  return sessionStorage.getItem(STORAGE_KEY);
}

/**
 * @typedef {{ session_code: string, user_id: number, status: string, room_code: string | null }} Seat
 * @typedef {{ version: string, texts: { ko: string, en: string } } | null} ConsentText
 */

export class ClassSessionPage {
  /**
   * @param {() => void} render draws the app again
   * @param {(roomCode: string) => Promise<void>} enterRoom into the room the session seated the student in
   * @param {(error: unknown) => void} refused what to do when asking again is refused (the session closed, say)
   */
  constructor(render, enterRoom, refused) {
    this.render = render;
    this.enterRoom = enterRoom;
    this.refused = refused;
    /** @type {string | null} */
    this.code = null;
    /** @type {Seat | null} */
    this.seat = null;
    this.needsConsent = false;
    this.nickname = '';
    this.timer = 0;
  }

  /**
   * Enrols in the session (the stored one when no code is given) and follows the seat until there is a room.
   * @param {string | null} code @param {string} nickname
   */
  async open(code, nickname) {
    this.stop();
    this.code = (code ?? classSessionStored() ?? '').trim().toUpperCase();
    this.nickname = nickname;
    this.seat = null;
    this.needsConsent = false;
    sessionStorage.setItem(STORAGE_KEY, this.code);
    await this.enrol({});
  }

  /**
   * @param {{ consent_version?: string, voice_consent?: boolean }} consent
   */
  async enrol(consent) {
    const code = this.code;
    if (!code) {
      return;
    }
    try {
      /** @type {Seat} */
      const seat = await call('POST', `/sessions/${encodeURIComponent(code)}/enrol`, { nickname: this.nickname || undefined, ...consent },
        { timeoutMs: POLL_TIMEOUT_MS });
      if (code !== this.code) {
        return;
      }
      this.needsConsent = false;
      this.seat = seat;
      if (seat.room_code) {
        // Forgotten once in: a room that could not be read (the network again) is asked for on the next turn.
        await this.enterRoom(seat.room_code);
        this.forget();
        return;
      }
      if (seat.status === 'closed') {
        // Closed before it started with this student still in the pool: no room will come (forgotten below).
        throw new ApiError(409, 'session_closed', '');
      }
      this.render();
      this.schedule();
    } catch (error) {
      if (code !== this.code) {
        // An ask about a session this tab has left since: old news, not said.
        return;
      }
      if (error instanceof ApiError && error.code === 'consent_required') {
        this.needsConsent = true;
        this.render();
        if (consent.consent_version !== undefined) {
          // Sent, and not enough (voice recording left out where the session needs it): said, the form stays.
          throw error;
        }
        return;
      }
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        // Refused for good (no such session, closed, a nickname it will not take): said, and not asked again.
        this.forget();
        throw error;
      }
      if (this.seat) {
        // Enrolled already, and the network or a server hiccupped (no answer is status 0): the next ask tries again.
        this.schedule();
        return;
      }
      throw error;
    }
  }

  schedule() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.enrol({}).catch(this.refused);
    }, POLL_MS);
  }

  stop() {
    window.clearTimeout(this.timer);
    this.timer = 0;
  }

  /**
   * The student goes back before the start: out of the pool too (DELETE /sessions/{code}/enrol), or the start would
   * seat them in a room they never come to, and the two beside them would wait. Seated meanwhile: 409 already_seated.
   */
  async leave() {
    const code = this.seat ? this.code : null;
    this.forget();
    if (code) {
      await call('DELETE', `/sessions/${encodeURIComponent(code)}/enrol`);
    }
  }

  /** No longer on the way in: not asked again, and a reload does not come back here. */
  forget() {
    this.stop();
    this.code = null;
    this.seat = null;
    this.needsConsent = false;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /**
   * @param {ConsentText} consent the text asked about (GET /consent)
   * @param {boolean} busy
   * @param {import('../api.js').Run} run
   * @param {() => void} back
   * @returns {HTMLElement[]}
   */
  view(consent, busy, run, back) {
    const code = this.code ?? '';
    return [
      h('h2', { id: 'screen-title', tabindex: -1 }, t('class.title', { code })),
      this.needsConsent
        ? this.consentForm(consent, busy, run)
        : h('section', { class: 'card', id: 'class-status', 'data-status': this.seat ? 'waiting' : 'joining' },
          h('p', { role: 'status' }, this.seat ? t('class.waiting') : t('class.joining')),
          this.seat ? h('p', { class: 'muted' }, t('class.waitingSince')) : null),
      h('button', { type: 'button', class: 'secondary', id: 'class-back', disabled: busy, onclick: back }, t('class.back')),
    ];
  }

  /**
   * @param {ConsentText} consent @param {boolean} busy @param {import('../api.js').Run} run
   */
  consentForm(consent, busy, run) {
    /** @param {Event} event */
    const submit = (event) => {
      event.preventDefault();
      const form = /** @type {HTMLFormElement} */ (event.target);
      const voice = /** @type {HTMLInputElement} */ (form.elements.namedItem('voice_consent')).checked;
      // Voice recording left out where the session requires it is refused at its box (consent_required, field voice_consent).
      run(() => this.enrol({ consent_version: consent?.version, voice_consent: voice }), form);
    };
    return h('form', { class: 'card', id: 'class-consent-form', onsubmit: submit },
      h('h3', {}, t('class.consentTitle')),
      h('p', {}, t('class.consentIntro')),
      consent
        ? h('details', { id: 'class-consent-text' },
          h('summary', {}, t('signin.consentVersion', { version: consent.version })),
          h('div', { class: 'consent-text' }, pick(consent.texts)))
        : h('p', { class: 'hint' }, t('signin.consentMissing')),
      h('label', { class: 'inline', for: 'class-data-consent' },
        h('input', { type: 'checkbox', id: 'class-data-consent', name: 'data_consent', required: true }),
        h('span', {}, t('signin.dataConsent'))),
      h('label', { class: 'inline', for: 'class-voice-consent' },
        h('input', { type: 'checkbox', id: 'class-voice-consent', name: 'voice_consent' }),
        h('span', {}, t('signin.voiceConsent'))),
      h('button', { type: 'submit', id: 'class-consent-submit', disabled: busy || !consent }, t('class.consentButton')));
  }
}
