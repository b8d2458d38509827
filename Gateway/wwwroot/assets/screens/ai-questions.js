// The AI facilitator's questions for the player's role in the round being played (GET /rooms/{code}/ai/questions),
// asked for by the player rather than on every round: each answer may cost a model call, and the server limits them.
// Both languages come at once, so the questions follow a later switch of the page's language.

import { call } from '../api.js';
import { h } from '../dom.js';
import { addStrings, pick, t } from '../i18n.js';

addStrings({
  en: {
    'questions.title': 'Questions for your role',
    'questions.hint': 'Stuck, or want to see the dilemma from your side? The AI facilitator suggests questions for your role to raise in the discussion.',
    'questions.load': 'Suggest questions',
    'questions.more': 'Suggest other questions',
    'questions.loading': 'Asking the AI…',
    'questions.offline': 'Prepared questions: no AI model is answering now.',
  },
  ko: {
    'questions.title': '내 역할을 위한 질문',
    'questions.hint': '막혔거나 내 입장에서 딜레마를 보고 싶나요? AI 진행자가 토론에서 꺼낼 만한 질문을 내 역할에 맞춰 제안합니다.',
    'questions.load': '질문 제안받기',
    'questions.more': '다른 질문 제안받기',
    'questions.loading': 'AI에게 묻는 중…',
    'questions.offline': '미리 준비된 질문입니다. 지금은 AI 모델이 응답하지 않습니다.',
  },
});

/** @typedef {{ ko: string, en: string }} Localized */

export class RoundQuestions {
  /** @param {() => void} render draws the app again */
  constructor(render) {
    this.render = render;
    this.roomCode = '';
    this.round = 0;
    /** @type {Localized[] | null} */
    this.questions = null;
    this.offline = false;
    this.loading = false;
  }

  /** @param {string} roomCode */
  async load(roomCode) {
    this.loading = true;
    this.render();
    try {
      const answer = await call('GET', `/rooms/${encodeURIComponent(roomCode)}/ai/questions?lang=all`);
      this.roomCode = roomCode;
      this.round = answer.round_number;
      this.questions = answer.questions;
      this.offline = answer.ai?.provider !== 'openai';
    } finally {
      this.loading = false;
    }
  }

  /**
   * The card for the round on screen: the questions asked for in it, or the offer to ask.
   * @param {string} roomCode @param {number} round @param {boolean} busy @param {(action: () => Promise<void>) => void} run
   */
  view(roomCode, round, busy, run) {
    const questions = this.roomCode === roomCode && this.round === round ? this.questions : null;
    return h('section', { class: 'card', 'aria-labelledby': 'questions-title', id: 'ai-questions' },
      h('h3', { id: 'questions-title' }, t('questions.title')),
      questions
        ? h('ul', { id: 'questions-list' }, questions.map((question) => h('li', {}, pick(question))))
        : h('p', { class: 'hint' }, t('questions.hint')),
      questions && this.offline ? h('p', { class: 'hint', id: 'questions-offline' }, t('questions.offline')) : null,
      h('button', { type: 'button', class: 'secondary', id: 'questions-load', disabled: busy || this.loading, onclick: () => run(() => this.load(roomCode)) },
        this.loading ? t('questions.loading') : questions ? t('questions.more') : t('questions.load')));
  }
}
