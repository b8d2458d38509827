// What the room's voice session carries besides microphones: the facilitator's messages to the room (facilitator_message,
// sent from the console's broadcast) and the room's recording switch (start_recording / stop_recording, shown to
// everyone as recording_state and in session_state). Recording here marks when the room is recorded for research on who
// spoke when; everyone in the room sees whether it is on, and only those who consented to voice recording may switch it.

import { h } from '../dom.js';
import { addStrings, t, timeOfDay } from '../i18n.js';

addStrings({
  en: {
    'facilitator.title': 'From your facilitator',
    'facilitator.at': 'at {time}',
    'live.facilitator': 'Message from your facilitator: {message}',
    'recording.on': 'Recording for research is on (started by {name}).',
    'recording.off': 'Recording for research is off.',
    'recording.start': 'Start recording for research',
    'recording.stop': 'Stop recording',
    'live.recordingOn': 'Recording for research started by {name}.',
    'live.recordingOff': 'Recording for research stopped by {name}.',
  },
  ko: {
    'facilitator.title': '진행자의 메시지',
    'facilitator.at': '{time}',
    'live.facilitator': '진행자의 메시지: {message}',
    'recording.on': '연구용 녹음이 켜져 있습니다({name} 님이 시작).',
    'recording.off': '연구용 녹음이 꺼져 있습니다.',
    'recording.start': '연구용 녹음 시작',
    'recording.stop': '녹음 멈추기',
    'live.recordingOn': '{name} 님이 연구용 녹음을 시작했습니다.',
    'live.recordingOff': '{name} 님이 연구용 녹음을 멈췄습니다.',
  },
});

// The few latest are enough to read back; a room hears a handful in a lesson.
const KEEP_MESSAGES = 3;

/** @typedef {{ message: string, at: string }} FacilitatorMessage */

export class FacilitatorMessages {
  constructor() {
    /** @type {FacilitatorMessage[]} newest first */
    this.items = [];
  }

  /** @param {{ message: string, at: string }} message a facilitator_message @returns {string} what a screen reader hears */
  add(message) {
    this.items = [{ message: message.message, at: message.at }, ...this.items].slice(0, KEEP_MESSAGES);
    return t('live.facilitator', { message: message.message });
  }

  clear() {
    this.items = [];
  }

  /** @returns {HTMLElement[]} nothing until the facilitator has said something */
  view() {
    if (this.items.length === 0) {
      return [];
    }
    return [h('section', { class: 'card notice warn', 'aria-labelledby': 'facilitator-title', id: 'facilitator-messages' },
      h('h3', { id: 'facilitator-title' }, t('facilitator.title')),
      h('ul', { class: 'plain' }, this.items.map((item) => h('li', {},
        h('span', {}, item.message), ' ',
        h('span', { class: 'muted' }, t('facilitator.at', { time: timeOfDay(item.at) }))))))];
  }
}

export class RecordingSwitch {
  constructor() {
    this.on = false;
    /** @type {number | null} */
    this.changedBy = null;
    /** a start or stop was sent and not yet answered: an error that follows is about it */
    this.pending = false;
  }

  /** @param {{ is_recording?: boolean, changed_by?: number | null } | undefined} recording from session_state or recording_state */
  apply(recording) {
    this.on = Boolean(recording?.is_recording);
    this.changedBy = recording?.changed_by ?? null;
    this.pending = false;
  }

  clear() {
    this.apply(undefined);
  }

  /** @param {(id: number) => string} nameOf @returns {string} what a screen reader hears of a change */
  announcement(nameOf) {
    const name = this.changedBy === null ? '' : nameOf(this.changedBy);
    return this.on ? t('live.recordingOn', { name }) : t('live.recordingOff', { name });
  }

  /**
   * The line in the voice card: whether the room is recorded, and the switch.
   * @param {(id: number) => string} nameOf @param {(message: { type: string }) => void} send
   */
  view(nameOf, send) {
    const toggle = () => {
      this.pending = true;
      send({ type: this.on ? 'stop_recording' : 'start_recording' });
    };
    return h('div', { class: 'row', id: 'recording' },
      h('span', { class: this.on ? 'tag warn' : 'tag', id: 'recording-state', 'data-recording': String(this.on) },
        this.on ? t('recording.on', { name: this.changedBy === null ? '' : nameOf(this.changedBy) }) : t('recording.off')),
      h('button', { type: 'button', class: 'secondary', id: 'recording-toggle', onclick: toggle },
        this.on ? t('recording.stop') : t('recording.start')));
  }
}
