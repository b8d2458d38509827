// The player's own choice of the round being played, as the server recorded it. The room tells everyone who has
// chosen, never what, so a page that reloaded (or a new tab of the same player) said "your choice is recorded" over
// empty options: the player could not see what they had chosen, and pressing again with what they remembered made a
// second revision. The last recorded choice is kept on this device, with its submission id, and shown again.

const KEY = 'dilemma.recorded_choice';

/**
 * @typedef {{ room_code: string, user_id: number, round: number, choice: number, confidence: number, submission_id: string }} RecordedChoice
 */

/** @param {RecordedChoice} recorded a choice the server answered 201 (or replayed) */
export function rememberRecordedChoice(recorded) {
  localStorage.setItem(KEY, JSON.stringify(recorded));
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
