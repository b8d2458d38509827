// The player's own choice of the round being played, as the server recorded it. The room tells everyone who has
// chosen, never what, so a page that reloaded (or a new tab of the same player) said "your choice is recorded" over
// empty options: the player could not see what they had chosen, and pressing again with what they remembered made a
// second revision. The last choice sent is kept on this device, with its submission id, and shown again once the room
// says this player has chosen. Another device of the same account kept none: it reads the choice from what the server
// holds about the player (heldChoice).

import { ApiError, call } from '../api.js';

const KEY = 'dilemma.recorded_choice';

/**
 * @typedef {{ room_code: string, user_id: number, round: number, choice: number, confidence: number, submission_id: string }} RecordedChoice
 */

/**
 * Keeps a choice as it is sent: the room can say it was recorded (room_updated) before the answer arrives, and a reload
 * in between found nothing kept. Sent again, the same values go with the same submission_id.
 * @param {RecordedChoice} sending
 * @param {() => Promise<unknown>} send
 */
export async function sendRecordedChoice(sending, send) {
  const before = recordedChoice(sending.room_code, sending.user_id, sending.round);
  localStorage.setItem(KEY, JSON.stringify(sending));
  try {
    await send();
  } catch (error) {
    // Refused, it is not what the server holds: what was kept before is. Lost on the way, it may have been recorded.
    if (error instanceof ApiError && error.status < 500 && error.code !== 'network') {
      if (before) {
        localStorage.setItem(KEY, JSON.stringify(before));
      } else {
        localStorage.removeItem(KEY);
      }
    }
    throw error;
  }
}

/**
 * The choice kept for this player, room and round, or null (none kept, another round, another player of this device).
 * @param {string} roomCode @param {number} userId @param {number} round
 * @returns {RecordedChoice | null}
 */
export function recordedChoice(roomCode, userId, round) {
  try {
    /** @type {Partial<RecordedChoice> | null} */
    const kept = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return kept && kept.room_code === roomCode && kept.user_id === userId && kept.round === round
      && typeof kept.choice === 'number' && typeof kept.confidence === 'number' && typeof kept.submission_id === 'string'
      ? /** @type {RecordedChoice} */ (kept)
      : null;
  } catch {
    // Unreadable: as if none was kept.
    return null;
  }
}

/**
 * The player's latest choice of this room and round among what the server holds about them (GET /auth/me/data, every
 * revision), or null when it holds none.
 * @param {string} roomCode @param {number} round
 * @returns {Promise<{ choice: number, confidence: number } | null>}
 */
export async function heldChoice(roomCode, round) {
  /** @type {{ research: { choices: { room_code: string, round_number: number, choice: number, confidence: number, revision: number }[] } }} */
  const held = await call('GET', '/auth/me/data');
  const revisions = held.research.choices.filter((c) => c.room_code === roomCode && c.round_number === round);
  const latest = revisions.reduce((/** @type {typeof revisions[number] | null} */ last, c) => (last && last.revision > c.revision ? last : c), null);
  return latest ? { choice: latest.choice, confidence: latest.confidence } : null;
}

/** Forgets the choice kept on this device: a shared classroom computer keeps no one's choice after they sign out. */
export function forgetRecordedChoice() {
  localStorage.removeItem(KEY);
}
