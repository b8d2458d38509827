// A participant's say over what is held about them: the consents they gave (changed here, each change kept with the version
// of the text shown: PATCH /auth/me/consent), everything held as a file (GET /auth/me/data), and withdrawal from research
// (DELETE /auth/me/research-data). A finished game shows its withdrawal code (GET /rooms/{code}/withdrawal-code), and the
// sign-in screen takes one back (POST /research/withdrawals) from someone who has lost their guest sign-in.

import { ApiError, call } from '../api.js';
import { h, onEscape, saveFile } from '../dom.js';
import { addStrings, pick, t, when } from '../i18n.js';

addStrings({
  en: {
    'mydata.open': 'Your data and consent',
    'mydata.title': 'Your data and consent',
    'mydata.back': 'Back to the lobby',
    'mydata.consentTitle': 'Your consent',
    'mydata.consentIntro': 'What you agree to now applies from now on. Each change is kept with the version of the text you were shown.',
    'mydata.consentSave': 'Save my consent',
    'mydata.consentSaved': 'Saved.',
    'mydata.heldTitle': 'What is held about you',
    'mydata.heldIntro': 'Everything the game keeps about you, as research counts it. The file has it all, row by row.',
    'mydata.rooms': 'Games you sat in',
    'mydata.choices': 'Choices (the last of each round)',
    'mydata.submissions': 'Choices sent, changes included',
    'mydata.ai': 'Questions and feedback the AI facilitator gave you',
    'mydata.events': 'Events about you in rooms',
    'mydata.links': 'Voice link reports you sent',
    'mydata.consents': 'Consent records',
    'mydata.download': 'Download everything (JSON)',
    'mydata.withdrawTitle': 'Withdraw from the research',
    'mydata.withdrawIntro': 'Your seats, choices and everything else recorded about you in games are deleted, not hidden, and your data consent is withdrawn, so later games are not exported either. Decisions your group made stay, without your name on them. This cannot be undone.',
    'mydata.withdraw': 'Withdraw my research data',
    'mydata.withdrawConfirm': 'Yes, delete it for good',
    'mydata.withdrawCancel': 'Cancel',
    'mydata.withdrawAsk': 'Delete your research data for good?',
    'mydata.withdrawn': 'Done: {rows} rows were deleted ({at}).',
    'finished.codeTitle': 'Your withdrawal code',
    'finished.codeIntro': 'Keep this code. With it you can have your answers in this game deleted from the research later, even without signing in: on the sign-in page, under "Withdraw with a code".',
    'finished.codeRemoved': 'Your data from this game has been removed from the research.',
    'signin.withdrawTitle': 'Withdraw with a code',
    'signin.withdrawIntro': 'The code shown at the end of a game deletes your answers in it from the research.',
    'signin.withdrawCode': 'Withdrawal code (24 letters and digits)',
    'signin.withdrawButton': 'Withdraw',
    'signin.withdrawn': 'Done: {rows} rows were deleted ({at}).',
    'error.game_in_progress': 'You are in a game that is waiting or playing. Leave it, or let it finish, then withdraw.',
    'error.withdrawal_code_not_found': 'No game has this code, or it has been used already.',
    'error.invalid_withdrawal_code': 'A withdrawal code has 24 letters and digits, as the end of a game showed it.',
  },
  ko: {
    'mydata.open': '내 데이터와 동의',
    'mydata.title': '내 데이터와 동의',
    'mydata.back': '로비로 돌아가기',
    'mydata.consentTitle': '내 동의',
    'mydata.consentIntro': '지금 동의한 내용은 지금부터 적용됩니다. 바꿀 때마다 보여 드린 안내문의 판과 함께 기록됩니다.',
    'mydata.consentSave': '동의 저장',
    'mydata.consentSaved': '저장했습니다.',
    'mydata.heldTitle': '나에 대해 보관된 것',
    'mydata.heldIntro': '게임이 연구용으로 보관하는 나에 대한 모든 것입니다. 파일에는 한 줄 한 줄 모두 들어 있습니다.',
    'mydata.rooms': '참여한 게임',
    'mydata.choices': '선택(라운드마다 마지막 것)',
    'mydata.submissions': '보낸 선택(바꾼 것 포함)',
    'mydata.ai': 'AI 진행자가 보여 준 질문과 피드백',
    'mydata.events': '방에서 나에 관해 기록된 일',
    'mydata.links': '내가 보낸 음성 연결 보고',
    'mydata.consents': '동의 기록',
    'mydata.download': '모두 내려받기(JSON)',
    'mydata.withdrawTitle': '연구 참여 철회',
    'mydata.withdrawIntro': '게임에서 나에 대해 기록된 자리, 선택과 그 밖의 모든 것이 숨겨지는 것이 아니라 삭제되고, 데이터 이용 동의도 철회되어 이후 게임도 내보내지지 않습니다. 모둠이 내린 결정은 내 이름 없이 남습니다. 되돌릴 수 없습니다.',
    'mydata.withdraw': '내 연구 데이터 철회',
    'mydata.withdrawConfirm': '네, 영구히 삭제합니다',
    'mydata.withdrawCancel': '취소',
    'mydata.withdrawAsk': '내 연구 데이터를 영구히 삭제할까요?',
    'mydata.withdrawn': '완료: {rows}개 행을 삭제했습니다({at}).',
    'finished.codeTitle': '내 철회 코드',
    'finished.codeIntro': '이 코드를 보관하세요. 나중에 로그인하지 않고도 이 게임의 내 답을 연구 데이터에서 지울 수 있습니다. 로그인 화면의 "코드로 철회"에서 입력하세요.',
    'finished.codeRemoved': '이 게임의 내 데이터는 연구 데이터에서 삭제되었습니다.',
    'signin.withdrawTitle': '코드로 철회',
    'signin.withdrawIntro': '게임이 끝날 때 보여 준 코드로 그 게임의 내 답을 연구 데이터에서 지웁니다.',
    'signin.withdrawCode': '철회 코드(글자와 숫자 24자)',
    'signin.withdrawButton': '철회',
    'signin.withdrawn': '완료: {rows}개 행을 삭제했습니다({at}).',
    'error.game_in_progress': '기다리거나 진행 중인 게임에 있습니다. 나가거나 게임이 끝난 뒤에 철회하세요.',
    'error.withdrawal_code_not_found': '이 코드를 가진 게임이 없거나 이미 사용된 코드입니다.',
    'error.invalid_withdrawal_code': '철회 코드는 게임이 끝날 때 보여 준 글자와 숫자 24자입니다.',
  },
});

/**
 * @typedef {{ data_consent: boolean, voice_consent: boolean, data_consent_version?: string | null, voice_consent_version?: string | null }} Me
 * @typedef {{ seats: unknown[], choices: unknown[], choice_submissions: unknown[], ai_interactions: unknown[], room_events: unknown[],
 *   connection_quality: unknown[] }} HeldResearch
 * @typedef {{ user: Me, consents: unknown[], research: HeldResearch }} Held
 * @typedef {{ rows_erased: number, erased_at: string }} Erasure
 * @typedef {{ version: string, texts: { ko: string, en: string } } | null} ConsentText
 * @typedef {import('../api.js').Run} Run
 */

/** @param {Erasure} erasure @param {string} key */
function erasureText(erasure, key) {
  return t(key, { rows: erasure.rows_erased, at: when(erasure.erased_at) });
}

export class MyDataPage {
  /** @param {() => void} render draws the app again */
  constructor(render) {
    this.render = render;
    /** @type {Held | null} */
    this.held = null;
    /** the boxes as ticked on the page, until saved: a redraw must not put back what is stored */
    this.draft = { data: false, voice: false };
    /** @type {Erasure | null} */
    this.erasure = null;
    this.confirming = false;
    this.saved = false;
  }

  async load() {
    this.saved = false;
    this.confirming = false;
    await this.read();
  }

  async read() {
    /** @type {Held} */
    const held = await call('GET', '/auth/me/data');
    this.held = held;
    this.draft = { data: held.user.data_consent, voice: held.user.voice_consent };
    this.render();
  }

  /**
   * Sends the consents changed on the page, and only those: each one sent is recorded as given or withdrawn again.
   * @param {ConsentText} consent
   */
  async saveConsent(consent) {
    const stored = this.held?.user;
    const data = this.draft.data === stored?.data_consent ? undefined : this.draft.data;
    const voice = this.draft.voice === stored?.voice_consent ? undefined : this.draft.voice;
    if (data !== undefined || voice !== undefined) {
      await call('PATCH', '/auth/me/consent', { data_consent: data, voice_consent: voice, consent_version: consent?.version });
    }
    await this.read();
    this.saved = true;
    this.render();
  }

  /** Everything held, read again as the file is asked for, so it is what is held now. */
  async download() {
    /** @type {Held} */
    const held = await call('GET', '/auth/me/data');
    saveFile(new Blob([JSON.stringify(held, null, 2)], { type: 'application/json' }), 'dilemma-my-data.json');
  }

  async withdraw() {
    this.erasure = await call('DELETE', '/auth/me/research-data');
    this.confirming = false;
    await this.read();
  }

  /**
   * @param {ConsentText} consent the current text (GET /consent)
   * @param {boolean} busy
   * @param {Run} run
   * @param {() => void} back
   * @returns {HTMLElement[]}
   */
  view(consent, busy, run, back) {
    const held = this.held;
    return [
      h('h2', { id: 'screen-title', tabindex: -1 }, t('mydata.title')),
      ...(held
        ? [this.consentForm(consent, busy, run), this.heldSummary(held, busy, run), this.withdrawal(busy, run)]
        : [h('p', { class: 'muted', role: 'status' }, t('app.working'))]),
      h('button', { type: 'button', class: 'secondary', id: 'my-data-back', disabled: busy, onclick: back }, t('mydata.back')),
    ];
  }

  /** @param {ConsentText} consent @param {boolean} busy @param {Run} run */
  consentForm(consent, busy, run) {
    /** @param {Event} event */
    const submit = (event) => {
      event.preventDefault();
      run(() => this.saveConsent(consent), /** @type {HTMLFormElement} */ (event.currentTarget));
    };
    /** @param {'data' | 'voice'} which @param {Event} event */
    const tick = (which, event) => {
      this.draft[which] = /** @type {HTMLInputElement} */ (event.currentTarget).checked;
      this.saved = false;
    };
    return h('form', { class: 'card', id: 'my-consent-form', onsubmit: submit },
      h('h3', {}, t('mydata.consentTitle')),
      h('p', { class: 'hint' }, t('mydata.consentIntro')),
      consent
        ? h('details', { id: 'my-consent-text' },
          h('summary', {}, t('signin.consentVersion', { version: consent.version })),
          h('div', { class: 'consent-text' }, pick(consent.texts)))
        : h('p', { class: 'hint' }, t('signin.consentMissing')),
      h('label', { class: 'inline', for: 'my-data-consent' },
        h('input', { type: 'checkbox', id: 'my-data-consent', name: 'data_consent', checked: this.draft.data, disabled: !consent, onchange: (/** @type {Event} */ e) => tick('data', e) }),
        h('span', {}, t('signin.dataConsent'))),
      h('label', { class: 'inline', for: 'my-voice-consent' },
        h('input', { type: 'checkbox', id: 'my-voice-consent', name: 'voice_consent', checked: this.draft.voice, disabled: !consent, onchange: (/** @type {Event} */ e) => tick('voice', e) }),
        h('span', {}, t('signin.voiceConsent'))),
      h('div', { class: 'row' },
        h('button', { type: 'submit', id: 'my-consent-save', disabled: busy || !consent }, t('mydata.consentSave')),
        h('span', { role: 'status', id: 'my-consent-status' }, this.saved ? t('mydata.consentSaved') : '')));
  }

  /** @param {Held} held @param {boolean} busy @param {Run} run */
  heldSummary(held, busy, run) {
    const research = held.research;
    /** @type {[string, number][]} */
    const counts = [
      ['rooms', research.seats.length],
      ['choices', research.choices.length],
      ['submissions', research.choice_submissions.length],
      ['ai', research.ai_interactions.length],
      ['events', research.room_events.length],
      ['links', research.connection_quality.length],
      ['consents', held.consents.length],
    ];
    return h('section', { class: 'card', 'aria-labelledby': 'held-title', id: 'held-summary' },
      h('h3', { id: 'held-title' }, t('mydata.heldTitle')),
      h('p', { class: 'hint' }, t('mydata.heldIntro')),
      h('dl', { class: 'counts', id: 'held-counts' }, counts.map(([key, count]) => h('div', { 'data-count': key }, h('dt', {}, t(`mydata.${key}`)), h('dd', {}, count)))),
      h('button', { type: 'button', class: 'secondary', id: 'held-download', disabled: busy, onclick: () => run(() => this.download()) }, t('mydata.download')));
  }

  /** @param {boolean} busy @param {Run} run */
  withdrawal(busy, run) {
    const setConfirming = (/** @type {boolean} */ on) => {
      this.confirming = on;
      this.render();
      // As the host's End the game: the question takes the focus, and No gives it back to the button that asked.
      document.getElementById(on ? 'withdraw-ask-group' : 'withdraw-start')?.focus();
    };
    return h('section', { class: 'card', 'aria-labelledby': 'withdraw-title', id: 'withdraw' },
      h('h3', { id: 'withdraw-title' }, t('mydata.withdrawTitle')),
      h('p', {}, t('mydata.withdrawIntro')),
      this.erasure ? h('p', { class: 'notice', id: 'withdraw-done', role: 'status' }, erasureText(this.erasure, 'mydata.withdrawn')) : null,
      this.confirming
        ? h('div', { role: 'group', id: 'withdraw-ask-group', tabindex: -1, 'aria-labelledby': 'withdraw-ask', onkeydown: onEscape(() => setConfirming(false)) },
          h('p', { id: 'withdraw-ask' }, t('mydata.withdrawAsk')),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'danger', id: 'withdraw-confirm', disabled: busy, onclick: () => run(() => this.withdraw()) }, t('mydata.withdrawConfirm')),
            h('button', { type: 'button', class: 'secondary', id: 'withdraw-cancel', onclick: () => setConfirming(false) }, t('mydata.withdrawCancel'))))
        : h('button', { type: 'button', class: 'secondary', id: 'withdraw-start', disabled: busy, onclick: () => setConfirming(true) }, t('mydata.withdraw')));
  }

  /** Signed out: nothing of the last person stays in the page. */
  forget() {
    this.held = null;
    this.erasure = null;
    this.confirming = false;
    this.saved = false;
  }
}

/**
 * A finished game's withdrawal code for the signed-in participant, or that their data from it is gone already.
 * @param {string} roomCode
 * @returns {Promise<{ code: string | null, removed: boolean }>}
 */
export async function loadWithdrawalCode(roomCode) {
  try {
    const answer = await call('GET', `/rooms/${encodeURIComponent(roomCode)}/withdrawal-code`);
    return { code: answer.withdrawal_code, removed: false };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'research_data_removed') {
      return { code: null, removed: true };
    }
    throw error;
  }
}

/** @param {{ code: string | null, removed: boolean } | null} withdrawal */
export function withdrawalCodeSection(withdrawal) {
  if (!withdrawal) {
    return null;
  }
  return h('section', { class: 'card', 'aria-labelledby': 'withdrawal-code-title', id: 'withdrawal' },
    h('h3', { id: 'withdrawal-code-title' }, t('finished.codeTitle')),
    withdrawal.code
      ? h('div', {}, h('p', {}, t('finished.codeIntro')), h('p', { class: 'code', id: 'withdrawal-code' }, withdrawal.code))
      : h('p', { id: 'withdrawal-removed' }, t('finished.codeRemoved')));
}

/** What the sign-in screen's withdrawal by code last erased, kept until the page is left. */
let codeErasure = /** @type {Erasure | null} */ (null);

/**
 * The sign-in screen's way to withdraw without signing in, with the code a finished game showed.
 * @param {boolean} busy @param {Run} run @param {() => void} render
 */
export function withdrawByCodeForm(busy, run, render) {
  /** @param {Event} event */
  const submit = (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    const code = /** @type {HTMLInputElement} */ (form.elements.namedItem('code')).value;
    run(async () => {
      codeErasure = await call('POST', '/research/withdrawals', { code });
      form.reset();
      render();
    }, form);
  };
  return h('details', { class: 'card', id: 'withdraw-code-card' },
    h('summary', {}, t('signin.withdrawTitle')),
    h('form', { id: 'withdraw-code-form', onsubmit: submit },
      h('p', { class: 'hint' }, t('signin.withdrawIntro')),
      h('label', { for: 'withdraw-code' }, t('signin.withdrawCode')),
      h('input', { type: 'text', id: 'withdraw-code', name: 'code', maxlength: 64, autocomplete: 'off', spellcheck: 'false', required: true }),
      h('button', { type: 'submit', id: 'withdraw-code-submit', disabled: busy }, t('signin.withdrawButton')),
      codeErasure ? h('p', { class: 'notice', id: 'withdraw-code-done', role: 'status' }, erasureText(codeErasure, 'signin.withdrawn')) : null));
}
