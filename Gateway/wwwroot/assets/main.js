// The Dilemma web app: sign-in, lobby, waiting room, five rounds, and the room's statistics. It renders the
// whole screen from `state` after every change; live changes come from the room's voice session socket.

import { ApiError, Submissions, call, currentSession, deviceGuestId, setSession, whenSignedOut } from './api.js';
import { NARROW, confidenceChart, distributionChart, figure, legend, movementChart, optionLetter } from './charts.js';
import { byId, h, morphChildren, radioGroup, standIn } from './dom.js';
import { countdown, has, lang, pick, setLang, t } from './i18n.js';
import { ReconnectingSocket, VoiceMesh } from './realtime.js';
import { botControls, creationBody, creationFields, displayName, generatedScenarioId, hostChange, hostTools, presenceAnnouncement, presenceOf, presenceTag, takesPart, waitsForDropout } from './screens/host.js';
import { ClassSessionPage, classSessionStored, takeJoinLinkCode } from './screens/class-session.js';
import { CONSOLE_ROLES, ConsolePage, consoleSessionStored } from './screens/console.js';
import { RoundQuestions } from './screens/ai-questions.js';
import { forgetRecordedChoice, heldChoice, recordedChoice, sendRecordedChoice } from './screens/recorded-choice.js';
import { FacilitatorMessages, RecordingSwitch } from './screens/room-voice-session.js';
import { MyDataPage, loadWithdrawalCode, withdrawByCodeForm, withdrawalCodeSection } from './screens/my-data.js';
import { ADMIN_ROLES, AdminPage } from './screens/admin.js';
import { RESEARCH_ROLES, ResearchPage } from './screens/research.js';

/**
 * @typedef {import('./api.js').Room} Room
 * @typedef {import('./api.js').RoomStatistics} RoomStatistics
 * @typedef {{ round: number, choice: number | null, confidence: number | null, consensus: number | null, consensusConfidence: number | null, missing: Record<string, string> }} Draft
 * @typedef {'starting' | 'signin' | 'lobby' | 'room' | 'research' | 'console' | 'class' | 'mydata' | 'admin'} View
 */

const ROOM_KEY = 'dilemma.room';
const NICKNAME_KEY = 'dilemma.nickname';
/**
 * The game this device's player was last in, with whose it is. The tab's ROOM_KEY dies with the tab: a player whose
 * tab or browser closed mid-game came back to a lobby that did not say their game was still on.
 */
const LAST_ROOM_KEY = 'dilemma.last_room';

// The page a reload comes back to, for those reached from the lobby (a room and the console keep their own keys).
const PAGE_KEY = 'dilemma.page';
const RESTORED_PAGES = ['research', 'admin', 'mydata'];

/**
 * A round's choices before any is made.
 * @param {number} round
 * @returns {Draft}
 */
function emptyDraft(round) {
  return { round, choice: null, confidence: null, consensus: null, consensusConfidence: null, missing: {} };
}

const state = {
  /**
   * Nothing is drawn until boot knows where the visitor belongs: a form drawn early is drawn again once the consent
   * text arrives, and that would wipe what was typed into it (a language change draws the current view at once).
   * @type {View}
   */
  view: 'starting',
  busy: false,
  /** @type {{ topic: string, title: string | { ko: string, en: string } }[]} */
  topics: [],
  /** @type {import('./api.js').RoomListing[]} */
  rooms: [],
  /** @type {Room | null} */
  room: null,
  /** @type {import('./api.js').Scenario | null} */
  scenario: null,
  /** @type {Map<number, boolean>} who has a voice socket open, from session_state and participant_connection */
  connected: new Map(),
  /** @type {Map<number, number>} roles chosen by hand in the waiting room */
  roleDraft: new Map(),
  /**
   * The round's choices being made, and the error of each group of options sent without an answer (by the group's name).
   * @type {Draft}
   */
  draft: emptyDraft(0),
  /** the room and round whose choice was last asked of the server (askHeldChoice), as `code:round` */
  heldChoiceAsked: '',
  /** the game was opened in another tab or on another device, which took its sockets: this page has stopped following it */
  elsewhere: false,
  /** @type {RoomStatistics | null} */
  stats: null,
  /** @type {any} */
  feedback: null,
  feedbackLoading: false,
  /** @type {Set<string>} the sockets that are down right now */
  down: new Set(),
  /** @type {{ version: string, texts: { ko: string, en: string } } | null} the consent text asked about at sign-in (GET /consent) */
  consent: null,
  /** the host asked to end the game and has not yet confirmed */
  confirmingEnd: false,
  /** @type {string | null} the id of the field the error shown is about (a room code no room has, a field an error answer named), or null */
  invalidField: null,
  /** @type {string[]} the account's roles (GET /auth/me); a guest has none */
  roles: [],
  /** @type {Set<number>} the rounds whose voice-link quality this tab has reported */
  reportedRounds: new Set(),
  /** @type {{ code: string | null, removed: boolean } | null} a finished game's withdrawal code for this participant */
  withdrawal: null,
  /** @type {Room | null} a game this player is still in, offered in the lobby */
  unfinished: null,
  /** @type {string | null} the room of the class session this player's facilitator moved them out of, into this one */
  movedFrom: null,
  /** @type {number | null} the round whose clock the facilitator gave more time (deadline_extended) */
  extendedRound: null,
};

const submissions = new Submissions();

const researchPage = new ResearchPage(() => render());

const adminPage = new AdminPage(() => render());

const consolePage = new ConsolePage(() => render(), announce);

const myDataPage = new MyDataPage(() => render());

const roundQuestions = new RoundQuestions(() => render());

const facilitatorMessages = new FacilitatorMessages();

const recording = new RecordingSwitch();

const classPage = new ClassSessionPage(
  () => render(),
  async (roomCode) => enterRoom(await call('GET', `/rooms/${encodeURIComponent(roomCode)}`)),
  (error) => {
    showError(error);
    void showLobby().catch(showError);
  });

/** @type {ReconnectingSocket | null} */
let voiceSession = null;

/** @type {VoiceMesh | null} */
let mesh = null;

// ---------------------------------------------------------------- helpers

function nickname() {
  return sessionStorage.getItem(NICKNAME_KEY) ?? currentSession()?.username ?? '';
}

/**
 * What the live region will say next: the messages of one update (a decision and the round it opened, a bot and whose
 * seat it took) gathered into one reading. Each message set on its own, 50 ms apart, made a screen reader cut the first
 * off with the second, so a player heard "Round 2 has started" and never what the group had decided.
 * @type {string[]}
 */
const pendingAnnouncements = [];

/** @param {string} text */
function announce(text) {
  if (pendingAnnouncements.includes(text)) {
    return;
  }
  pendingAnnouncements.push(text);
  if (pendingAnnouncements.length > 1) {
    return;
  }
  const live = byId('live');
  live.textContent = '';
  // Emptied first and filled a moment later, so a repeated message is announced again.
  window.setTimeout(() => {
    live.textContent = pendingAnnouncements.splice(0).join(' ');
  }, 50);
}

/** The error the alert region shows, kept so that a switch of language says it again in the new one. @type {unknown} */
let shownError = null;

/** @param {unknown} error */
function showError(error) {
  shownError = error;
  const box = byId('error');
  let text;
  if (error instanceof ApiError) {
    if (error.code === 'network') {
      text = t('error.network');
    } else if (has(`error.${error.code}`)) {
      text = t(`error.${error.code}`);
    } else {
      text = error.detail ? `${t('error.generic', { code: error.code })} ${error.detail}` : t('error.generic', { code: error.code });
    }
  } else {
    text = t('error.generic', { code: error instanceof Error ? error.message : String(error) });
  }
  box.textContent = text;
  box.hidden = false;
  box.dataset.code = error instanceof ApiError ? error.code : 'client';
}

function clearError() {
  shownError = null;
  state.invalidField = null;
  const box = byId('error');
  box.hidden = true;
  box.textContent = '';
  delete box.dataset.code;
}

/**
 * Runs one user action: one at a time, errors shown in the alert region.
 * @param {() => Promise<void>} action
 * @param {string | HTMLFormElement} [at] where an error answer is marked (see markInvalidField): the id of the one field
 *   the action sends, or the form it sends, whose field the problem names (its `field`) is marked
 */
async function run(action, at) {
  if (state.busy) {
    return;
  }
  clearError();
  const pressed = document.activeElement;
  const holder = holderOf(pressed);
  state.busy = true;
  render();
  try {
    await action();
  } catch (error) {
    showError(error);
    state.invalidField = invalidFieldOf(error, at);
    if (error instanceof ApiError && error.code === 'wrong_round' && state.room) {
      await refreshRoom();
    }
  } finally {
    state.busy = false;
    render();
    if (state.invalidField) {
      const marked = document.getElementById(state.invalidField);
      // A field folded away (the console's session settings) cannot take the focus: its disclosure is opened.
      marked?.closest('details')?.setAttribute('open', '');
      marked?.focus();
    } else {
      giveFocusBack(pressed, holder);
    }
  }
}

/**
 * run as the screens of assets/screens are handed it: they draw, and do not wait for their actions.
 * @param {() => Promise<void>} action
 * @param {string | HTMLFormElement} [at] see run
 */
function runFrom(action, at) {
  void run(action, at);
}

/**
 * The id of the field an error answer was about, or null.
 * @param {unknown} error
 * @param {string | HTMLFormElement} [at] see run
 */
function invalidFieldOf(error, at) {
  if (typeof at === 'string' || at === undefined) {
    return at ?? null;
  }
  // The problem names the body's field as sent, and the forms name their inputs the same way.
  const input = error instanceof ApiError && error.field ? at.elements.namedItem(error.field) : null;
  return input instanceof HTMLElement && input.id ? input.id : null;
}

/**
 * Marks the field an error answer was about, in the screen about to be drawn: invalid, and described by the alert that
 * says why (beside its own description, if it has one). The alert at the top of the page was tied to no field, and the
 * focus stayed on the button, so a screen reader user heard the error once and then had to find which field it meant.
 * Marked in what is drawn rather than on the page, so a redraw keeps the mark (and does not strip it to put it back).
 * @param {HTMLElement[]} nodes
 */
function markInvalidField(nodes) {
  const id = state.invalidField;
  const input = id ? nodes.map((node) => (node.id === id ? node : node.querySelector(`#${CSS.escape(id)}`))).find(Boolean) : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', ['error', input.getAttribute('aria-describedby')].filter(Boolean).join(' '));
  }
}

/**
 * After an action, the focus goes back to the control that started it (or the one drawn in its place, or the region it
 * sat in, or the screen's heading if it is gone). The browser takes the focus from a button as it is disabled while its
 * action runs, and a keyboard user was left on the page's body after each choice sent, Tab starting again from the top
 * of the page. An action that moved the focus itself (to a new screen, a question) keeps it where it put it.
 * @param {Element | null} pressed
 * @param {HTMLElement | null} holder the region pressed sat in (holderOf), found while it was still on the page
 */
function giveFocusBack(pressed, holder) {
  if (document.activeElement !== document.body || !(pressed instanceof HTMLElement) || pressed === document.body) {
    return;
  }
  // A radio has no id of its own: its group stands for it (the console's move's students, taken away as a room ends).
  const id = pressed.id || pressed.closest('fieldset[id]')?.id || '';
  const drawnAgain = id ? focusableIn(document.getElementById(id)) ?? standIn(id) : null;
  const target = pressed.isConnected ? pressed : drawnAgain ?? stillShown(holder);
  if (target) {
    target.focus();
  } else {
    focusHeading();
  }
}

/**
 * The scrolling region (a Tab stop of its own) an element sits in, as the console's rooms' table holds every room's
 * buttons: when an update takes a button away or greys it out under the focus, the region keeps the focus and the next
 * Tab goes on from there. The screen's heading sent a facilitator back to the top of a long page.
 * @param {Element | null} element
 * @returns {HTMLElement | null}
 */
function holderOf(element) {
  const holder = element?.parentElement?.closest('[tabindex="0"]');
  return holder instanceof HTMLElement ? holder : null;
}

/**
 * What takes the focus for an element: a group of radios (a fieldset) cannot, its checked radio (else its first) can.
 * @param {HTMLElement | null} element
 * @returns {HTMLElement | null}
 */
function focusableIn(element) {
  return element instanceof HTMLFieldSetElement ? element.querySelector('input:checked') ?? element.querySelector('input:not(:disabled)') : element;
}

/**
 * The element itself if a redraw kept it, or the one drawn in its place under its id.
 * @param {HTMLElement | null} element
 * @returns {HTMLElement | null}
 */
function stillShown(element) {
  return element?.isConnected ? element : element?.id ? document.getElementById(element.id) : null;
}

/**
 * @param {Event} event
 * @returns {HTMLFormElement} the form an event's element belongs to
 */
function formOf(event) {
  const target = /** @type {HTMLElement} */ (event.currentTarget);
  return /** @type {HTMLFormElement} */ (target instanceof HTMLFormElement ? target : target.closest('form'));
}

/**
 * @param {HTMLFormElement} form
 * @param {string} name
 */
function field(form, name) {
  const element = /** @type {HTMLInputElement | null} */ (form.elements.namedItem(name));
  if (!element) {
    return '';
  }
  return element.type === 'checkbox' ? String(element.checked) : element.value.trim();
}

/** @param {number | null} roleId */
function roleName(roleId) {
  return roleId ? t(`room.role.${roleId}`) : t('room.noRole');
}

/** @param {number} userId */
function participantName(userId) {
  const participant = state.room?.participants.find((p) => p.user_id === userId);
  return participant ? displayName(participant) : String(userId);
}

// ---------------------------------------------------------------- navigation

/** @param {View} view */
function go(view) {
  // The first screen after the page loads leaves the focus where the browser starts it: its first Tab stop is the skip link.
  const changed = state.view !== 'starting';
  state.view = view;
  if (RESTORED_PAGES.includes(view)) {
    sessionStorage.setItem(PAGE_KEY, view);
  } else if (view !== 'starting') {
    sessionStorage.removeItem(PAGE_KEY);
  }
  render();
  if (changed) {
    focusHeading();
  }
}

/**
 * Puts the focus on what names the screen now shown: the round being played, else the screen's title, else the main
 * region. A screen reader says where the player is, and the next Tab goes on from there. Focusing the whole main
 * region made a screen reader read all of it, or nothing useful.
 */
function focusHeading() {
  (document.getElementById('round-title') ?? document.getElementById('screen-title') ?? byId('main')).focus();
}

async function showSignIn() {
  // The text is loaded before the form is drawn: drawing it again when it arrives would wipe what was typed.
  if (!state.consent) {
    await loadConsent();
  }
  go('signin');
}

async function showLobby() {
  go('lobby');
  await loadLobby();
  followRooms();
}

// The lobby's list of open rooms is asked for again this often while it is on screen: a room opened or filled
// meanwhile shows without a press of Refresh.
const ROOMS_POLL_MS = 10_000;
let roomsTimer = 0;

function followRooms() {
  window.clearTimeout(roomsTimer);
  roomsTimer = window.setTimeout(() => {
    if (state.view !== 'lobby') {
      return;
    }
    // A hidden tab is asked nothing; it catches up on its next turn once shown.
    const asked = document.hidden ? Promise.resolve() : call('GET', '/rooms').then((rooms) => {
      const items = rooms.items ?? [];
      if (state.view === 'lobby' && JSON.stringify(items) !== JSON.stringify(state.rooms)) {
        state.rooms = items;
        render();
      }
    });
    // A failed ask is not shown: the next one tries again, and the banner speaks for a server that is down.
    void asked.catch(() => {}).finally(() => {
      if (state.view === 'lobby') {
        followRooms();
      }
    });
  }, ROOMS_POLL_MS);
}

async function loadLobby() {
  const [topics, rooms, me] = await Promise.all([
    // Both languages at once: the topic names follow a switch of the page's language on every screen that shows them
    // (the lobby, the console, the research page's filters and figures). Fetched in one, they stayed in it elsewhere.
    call('GET', '/topics?lang=all'),
    call('GET', '/rooms'),
    currentSession()?.is_guest === false ? call('GET', '/auth/me') : null,
  ]);
  state.topics = topics.topics ?? [];
  state.rooms = rooms.items ?? [];
  state.roles = me?.roles ?? [];
  state.unfinished = await unfinishedGame();
  render();
}

/** The game this player was last in, if it is still on and they still have their seat; otherwise it is forgotten. */
async function unfinishedGame() {
  const selfId = currentSession()?.user_id;
  /** @type {{ user_id?: number, room_code?: string }} */
  let last = {};
  try {
    last = JSON.parse(localStorage.getItem(LAST_ROOM_KEY) ?? '{}') ?? {};
  } catch {
    // Unreadable: as if none.
  }
  if (!last.room_code || last.user_id !== selfId) {
    return null;
  }
  try {
    /** @type {Room} */
    const room = await call('GET', `/rooms/${encodeURIComponent(last.room_code)}`);
    const seat = room.participants?.find((p) => p.user_id === selfId);
    if (room.phase !== 'finished' && seat && seat.presence !== 'removed') {
      return room;
    }
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500 || error.code === 'network') {
      // Not known to be over: asked again next time.
      return null;
    }
  }
  localStorage.removeItem(LAST_ROOM_KEY);
  return null;
}

async function showConsole() {
  go('console');
  // The topics for the session form are the lobby's.
  await loadLobby();
  await consolePage.resume();
}

/** Back from the console: its monitor socket is closed first, and a reload no longer comes back to the session. */
async function leaveConsole() {
  consolePage.forget();
  await showLobby();
}

/**
 * Into a class session: the one a join link brought (before or after the sign-in), or the code typed in the lobby.
 * @param {string | null} code
 */
async function showClassSession(code) {
  if (!state.consent) {
    await loadConsent();
  }
  go('class');
  try {
    await classPage.open(code, nickname());
  } catch (error) {
    // Refused (no such session, closed to newcomers): back in the lobby, where the code can be typed again; told why.
    if (state.view === 'class') {
      await showLobby();
    }
    throw error;
  }
}

/** Back from a class session the student is waiting in (or was refused): out of its pool, the lobby, and a reload stays there. */
async function leaveClassSession() {
  try {
    await classPage.leave();
  } finally {
    await showLobby();
  }
}

/** Where a sign-in leads: into the class session a join link brought, or the lobby. */
async function afterSignIn() {
  if (classSessionStored()) {
    await showClassSession(null);
    return;
  }
  await showLobby();
}

async function showMyData() {
  // The consent text is read first: the boxes are for that text, and a form drawn again when it arrives would lose a tick.
  if (!state.consent) {
    await loadConsent();
  }
  go('mydata');
  await myDataPage.load();
}

function showAdmin() {
  clearError();
  go('admin');
}

/** Back from the admin page: the account found there is forgotten. */
async function leaveAdmin() {
  adminPage.leave();
  await showLobby();
}

async function showResearch() {
  go('research');
  await researchPage.load();
}

/**
 * The research page reads its counts, figures and ledgers again on its own, every minute while it is in sight and as soon
 * as its tab is seen again: a researcher watching a study under way should not have to press for each new room. Not
 * while the researcher acts (an export, a press) or the page is out of sight; the buttons stay enabled, so the focus
 * stays where it was through the redraw. A failure is shown as any other, and the next minute tries again.
 */
async function refreshResearchInSight() {
  if (state.view !== 'research' || state.busy || researchPage.exporting || document.visibilityState !== 'visible') {
    return;
  }
  try {
    await researchPage.load();
  } catch (error) {
    showError(error);
  }
}

window.setInterval(() => void refreshResearchInSight(), 60_000);
document.addEventListener('visibilitychange', () => void refreshResearchInSight());

/** After a reload: the page the tab was on, with what it had found (the admin page's account). @param {string} page */
async function reopenPage(page) {
  switch (page) {
    case 'research':
      // The topics of its filters are the lobby's.
      await loadLobby();
      await showResearch();
      return;
    case 'admin':
      showAdmin();
      await adminPage.resume();
      return;
    case 'mydata':
      await showMyData();
      return;
    default:
      throw new Error(`no page ${page}`);
  }
}

/**
 * Out of this game (left in another tab, removed, moved, or a bot has the seat). A class session's facilitator may have
 * moved the student to another of its rooms mid-game: they were dropped in the lobby with a riddle of an error and no
 * way to their new room but asking for its code. The session knows their seat (enrolling again answers it, changing
 * nothing for one already seated), so they are taken there and told; anyone else goes back to the lobby, told why.
 * Only a started game is asked about: before the start, a move is a leave, and asking again would seat someone who
 * left on purpose in another tab.
 * @param {Room} room the room the socket was for
 */
async function outOfGame(room) {
  const current = state.room?.room_code === room.room_code ? state.room : room;
  const sessionCode = current.session_code;
  if (sessionCode && current.phase === 'started') {
    /** @type {{ room_code: string | null } | null} */
    let seat = null;
    try {
      seat = await call('POST', `/sessions/${encodeURIComponent(sessionCode)}/enrol`, {});
    } catch {
      // Not known where they are: said as below.
    }
    if (seat?.room_code && seat.room_code !== room.room_code) {
      enterRoom(await call('GET', `/rooms/${encodeURIComponent(seat.room_code)}`));
      state.movedFrom = room.room_code;
      const text = t('room.movedHere', { from: room.room_code });
      render();
      announce(text);
      return;
    }
  }
  leaveRoomLocally();
  showError(new ApiError(403, sessionCode && current.phase === 'started' ? 'removed_from_class_game' : 'no_longer_participant', ''));
}

/** @param {Room} room */
function enterRoom(room) {
  closeRoomSockets();
  state.elsewhere = false;
  // Drawn again from what the server has (a choice made in another tab, say), not from what this page last held.
  state.draft = emptyDraft(0);
  state.movedFrom = null;
  state.extendedRound = null;
  state.room = room;
  state.scenario = room.scenario ?? null;
  state.stats = null;
  state.feedback = null;
  state.withdrawal = null;
  facilitatorMessages.clear();
  recording.clear();
  state.connected = new Map();
  state.reportedRounds = new Set();
  sessionStorage.setItem(ROOM_KEY, room.room_code);
  localStorage.setItem(LAST_ROOM_KEY, JSON.stringify({ user_id: currentSession()?.user_id, room_code: room.room_code }));
  state.unfinished = null;
  const session = currentSession();
  if (!session) {
    return;
  }
  const code = room.room_code;
  voiceSession = new ReconnectingSocket(
    (ticket) => `/ws/voice/${encodeURIComponent(code)}?ticket=${encodeURIComponent(ticket)}`,
    {
      onOpen: (socket) => {
        state.down.delete('voice');
        socket.send({ type: 'init' });
        mesh?.sendStatus();
        // Whatever changed while the socket was down is read again.
        void refreshRoom();
        renderBanner();
      },
      onMessage: onVoiceMessage,
      onDown: () => {
        state.down.add('voice');
        renderBanner();
      },
      onGone: () => void outOfGame(room).catch(showError),
      onReplaced: takenElsewhere,
    });
  // A game that is over has no voice: its microphone is not asked for.
  if (room.phase !== 'finished') {
    mesh = new VoiceMesh(code, session.user_id, () => renderVoice(), (which) => {
      state.down.add(which);
      renderBanner();
    }, takenElsewhere);
    mesh.statusOut = (message) => voiceSession?.send(message);
  }
  go('room');
  if (room.phase === 'finished') {
    void loadStatistics();
    void loadWithdrawal();
  }
}

/**
 * The same player opened the game in another tab or on another device, whose sockets replaced this page's (4000). Both
 * pages reconnected each time they were replaced, taking the room from each other without end: the others' voice
 * links to the player were torn down and made again every second or so. This page lets go (the microphone too) and
 * says where the game went; playing here again is the player's choice (playHere).
 */
function takenElsewhere() {
  if (state.elsewhere || !state.room) {
    return;
  }
  closeRoomSockets();
  state.elsewhere = true;
  render();
  announce(t('room.elsewhere'));
  document.getElementById('play-here')?.focus();
}

/** Takes the game back into this page: its new sockets replace the other tab's or device's, which then lets go. */
function playHere() {
  const room = state.room;
  if (!room) {
    return;
  }
  void run(async () => {
    enterRoom(await call('GET', `/rooms/${encodeURIComponent(room.room_code)}`));
  });
}

function closeRoomSockets() {
  voiceSession?.close();
  voiceSession = null;
  mesh?.close();
  mesh = null;
  state.down.clear();
  renderBanner();
}

async function refreshRoom() {
  if (!state.room) {
    return;
  }
  try {
    applyRoom(await call('GET', `/rooms/${state.room.room_code}`));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      leaveRoomLocally();
      showError(error);
    }
  }
}

function leaveRoomLocally() {
  closeRoomSockets();
  state.room = null;
  sessionStorage.removeItem(ROOM_KEY);
  localStorage.removeItem(LAST_ROOM_KEY);
  void showLobby().catch(showError);
}

/**
 * Takes a newer room state, announcing what others would see change.
 * @param {Room} next
 */
function applyRoom(next) {
  const previous = state.room;
  if (!previous || next.room_code !== previous.room_code) {
    return;
  }
  if (next.version < previous.version) {
    return;
  }
  if (next.scenario) {
    state.scenario = next.scenario;
  }
  const before = new Set(previous.participants.map((p) => p.user_id));
  const after = new Set(next.participants.map((p) => p.user_id));
  for (const p of next.participants) {
    // A bot seated in a started game is said with whose seat it took (botsSeated).
    if (!before.has(p.user_id) && !(p.is_bot && next.phase === 'started')) {
      announce(t('live.joined', { name: displayName(p) }));
    }
  }
  for (const p of previous.participants) {
    if (!after.has(p.user_id)) {
      announce(t('live.left', { name: displayName(p) }));
    }
  }
  for (const text of decisionsMade(previous, next)) {
    announce(text);
  }
  for (const text of botsSeated(previous, next)) {
    announce(text);
  }
  const hosted = hostChange(previous, next, currentSession()?.user_id);
  if (hosted) {
    announce(hosted);
  }
  if (next.phase === 'started' && next.current_round !== previous.current_round) {
    announce(t('live.round', { round: next.current_round }));
  } else if (next.chosen_this_round.length !== previous.chosen_this_round.length && next.phase === 'started') {
    const playing = next.participants.filter(takesPart);
    announce(t('live.chosen', { count: playing.filter((p) => next.chosen_this_round.includes(p.user_id)).length, total: playing.length }));
  }
  const reports = roundsEnded(previous, next).map((round) => reportLinkQuality(round));
  if (next.phase === 'finished' && previous.phase !== 'finished') {
    announce(endedEarlyText(next) ?? t('live.finished'));
    void loadStatistics();
    void loadWithdrawal();
    // The last round's links are measured before they are let go.
    void Promise.allSettled(reports).then(endVoice);
  }
  state.room = { ...next, scenario: next.scenario ?? previous.scenario };
  if (!state.scenario) {
    void refreshRoomScenario();
  }
  render();
}

/**
 * The group's decisions that arrived between two states of the room, in words: only the round's start was said, so a
 * player who does not see the screen never heard what the group had settled on.
 * @param {Room} previous @param {Room} next
 * @returns {string[]}
 */
function decisionsMade(previous, next) {
  const known = new Set(previous.consensus.map((c) => c.round_number));
  return next.consensus.filter((c) => !known.has(c.round_number)).map((c) => {
    const option = optionsOf(c.round_number)[c.choice]?.label ?? optionLetter(c.choice);
    // The option's words end a sentence of their own; a full stop after them is added only where they lack one.
    return t('live.decided', { round: c.round_number, option: /[.!?]$/.test(option) ? option : `${option}.` });
  });
}

/**
 * A bot that took a seat in a started game (the room's dropout policy, a facilitator's fill), said with whose role it
 * took: "Bot 1 joined the room" did not tell a player that the teammate they were talking to had gone.
 * @param {Room} previous @param {Room} next
 * @returns {string[]}
 */
function botsSeated(previous, next) {
  if (next.phase !== 'started') {
    return [];
  }
  const before = new Set(previous.participants.map((p) => p.user_id));
  return next.participants.filter((p) => p.is_bot && !before.has(p.user_id)).map((bot) => {
    const replaced = next.participants.find((p) => p.user_id !== bot.user_id && p.role_id === bot.role_id && !takesPart(p));
    return replaced
      ? t('live.botTookOver', { bot: displayName(bot), name: displayName(replaced), role: roleName(bot.role_id) })
      : t('live.joined', { name: displayName(bot) });
  });
}

/**
 * The round that ended between two states of the room: its consensus arrived, or the room moved past it.
 * @param {Room} previous @param {Room} next
 * @returns {number[]}
 */
function roundsEnded(previous, next) {
  const round = previous.current_round;
  if (previous.phase !== 'started' || previous.consensus.some((c) => c.round_number === round)) {
    return [];
  }
  const ended = next.consensus.some((c) => c.round_number === round) || next.current_round > round || next.phase === 'finished';
  return ended ? [round] : [];
}

/**
 * Sends the round's voice-link summary once (link_quality); with nobody to talk to there is nothing to send.
 * An error answer (a round reported before this reload) needs nothing from the player: voice errors are not shown.
 * @param {number} round
 */
async function reportLinkQuality(round) {
  if (!mesh || state.reportedRounds.has(round)) {
    return;
  }
  state.reportedRounds.add(round);
  const links = await mesh.linkQuality();
  if (links.length > 0) {
    voiceSession?.send({ type: 'link_quality', round_number: round, links });
  }
}

async function refreshRoomScenario() {
  if (state.room && !state.scenario) {
    const full = await call('GET', `/rooms/${state.room.room_code}`);
    state.scenario = full.scenario ?? null;
    render();
  }
}

/** @param {import('./realtime.js').Message} message */
function onVoiceMessage(message) {
  switch (message.type) {
    case 'room_updated':
      applyRoom(message.room);
      break;
    case 'session_state':
      for (const p of message.participants ?? []) {
        state.connected.set(p.user_id, p.connection_state === 'connected');
        mesh?.remoteStatus.set(p.user_id, { micOn: p.is_mic_on, speaking: p.is_speaking });
      }
      recording.apply(message.recording);
      render();
      break;
    case 'recording_state':
      recording.apply({ is_recording: message.is_recording, changed_by: message.changed_by });
      announce(recording.announcement(participantName));
      renderVoice();
      break;
    case 'facilitator_message':
      announce(facilitatorMessages.add({ message: String(message.message ?? ''), at: String(message.at ?? '') }));
      render();
      break;
    case 'deadline_extended':
      // The clock alone jumped, as after a resume: the players are told why, on the page and by the live region.
      if (state.room) {
        state.extendedRound = state.room.current_round;
        announce(t('room.extended'));
        render();
      }
      break;
    case 'error':
      // The socket answers a refused message this way; only the recording switch is the player's own doing.
      if (recording.pending) {
        recording.pending = false;
        showError(new ApiError(409, message.code, message.message ?? ''));
      }
      break;
    case 'participant_connection':
      state.connected.set(message.user_id, Boolean(message.connected));
      render();
      break;
    case 'voice_status_update':
      mesh?.remoteStatus.set(message.user_id, { micOn: message.is_mic_on, speaking: message.is_speaking });
      renderVoice();
      break;
    case 'participant_reconnecting':
    case 'participant_returned':
    case 'participant_dropped': {
      // The room's presence arrives with room_updated; this is what a screen reader hears of it.
      const text = presenceAnnouncement(message.type, participantName(message.user_id));
      if (text) {
        announce(text);
      }
      break;
    }
    default:
      break;
  }
}

async function loadStatistics() {
  if (!state.room) {
    return;
  }
  try {
    state.stats = await call('GET', `/rooms/${state.room.room_code}/statistics`);
    render();
  } catch (error) {
    showError(error);
  }
}

/** The participant's withdrawal code for the finished game; a viewer without a seat in it gets none, and is not told so. */
async function loadWithdrawal() {
  if (!state.room) {
    return;
  }
  try {
    state.withdrawal = await loadWithdrawalCode(state.room.room_code);
    render();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) {
      showError(error);
    }
  }
}

// ---------------------------------------------------------------- actions

/**
 * Fetches the current consent text in both languages, so switching language shows the same version.
 * Without it the consent boxes stay disabled: nobody is asked to agree to a text they were not shown.
 */
async function loadConsent() {
  try {
    const consent = await call('GET', '/consent');
    state.consent = { version: consent.version, texts: { ko: consent.texts.ko ?? '', en: consent.texts.en ?? '' } };
  } catch (error) {
    state.consent = null;
    showError(error);
  }
}

/** The answers to the sign-in screen's consent questions, with the version of the text shown, for POST /auth/guest and /auth/register. */
function consentAnswers() {
  return {
    data_consent: ticked('data-consent'),
    voice_consent: ticked('voice-consent'),
    consent_version: state.consent?.version,
  };
}

/** @param {string} id a checkbox's id */
function ticked(id) {
  return /** @type {HTMLInputElement | null} */ (document.getElementById(id))?.checked ?? false;
}

/** @param {Event} event */
function signInAsGuest(event) {
  event.preventDefault();
  const name = field(formOf(event), 'nickname');
  const consents = consentAnswers();
  void run(async () => {
    const pair = await call('POST', '/auth/guest', { guest_id: deviceGuestId(), nickname: name || undefined, ...consents });
    setSession(pair);
    sessionStorage.setItem(NICKNAME_KEY, name || pair.username);
    await afterSignIn();
  }, formOf(event));
}

/**
 * @param {Event} event
 * @param {'login' | 'register'} mode
 */
function signInWithAccount(event, mode) {
  event.preventDefault();
  const form = formOf(event);
  const username = field(form, 'username');
  const password = field(form, 'password');
  const email = field(form, 'email');
  const setupCode = field(form, 'setup_code');
  // The consent questions are asked once, above both forms; a sign-in to an existing account sends none.
  const consents = consentAnswers();
  void run(async () => {
    const pair = mode === 'login'
      ? await call('POST', '/auth/login', { username, password })
      : await call('POST', '/auth/register', { username, password, email: email || undefined, setup_code: setupCode || undefined, ...consents });
    setSession(pair);
    sessionStorage.setItem(NICKNAME_KEY, pair.username);
    await afterSignIn();
  }, form);
}

/** @param {Event} event */
function createRoom(event) {
  event.preventDefault();
  const title = field(formOf(event), 'title');
  const topic = field(formOf(event), 'topic');
  const visibility = field(formOf(event), 'visibility') || 'public';
  // Optional: an empty field means no timer (the server's default); the server checks the range.
  const choiceSeconds = field(formOf(event), 'choice_seconds');
  const form = formOf(event);
  const hostSettings = creationBody((name) => field(form, name));
  void run(async () => {
    const scenarioId = await generatedScenarioId(field(form, 'generate') === 'true', topic, field(form, 'guidance'));
    const body = {
      title, topic, nickname: nickname(), ...(choiceSeconds ? { choice_seconds: Number(choiceSeconds) } : {}), ...hostSettings,
      ...(scenarioId ? { scenario_id: scenarioId } : {}),
    };
    const room = await call('POST', `/rooms/${visibility === 'private' ? 'private' : 'public'}`, body);
    enterRoom(room);
  }, form);
}

/** @param {string} code @param {string} [codeField] the field the code was typed in */
function joinRoom(code, codeField) {
  void run(async () => {
    const joined = await call('POST', '/rooms/join', { room_code: code, nickname: nickname() });
    enterRoom(joined.room);
  }, codeField);
}

/** @param {Event} event */
function joinByCode(event) {
  event.preventDefault();
  joinRoom(field(formOf(event), 'room_code'), 'join-code');
}

/** @param {Event} event */
function joinClassByCode(event) {
  event.preventDefault();
  const code = field(formOf(event), 'session_code');
  void run(() => showClassSession(code), 'class-code');
}

/** @param {Event} event */
function quickJoin(event) {
  event.preventDefault();
  const topic = field(formOf(event), 'topic');
  void run(async () => {
    const joined = await call('POST', '/rooms/quick-join', { topic: topic || undefined, nickname: nickname() });
    enterRoom(joined.room ?? joined);
  });
}

function leaveRoom() {
  const room = state.room;
  if (!room) {
    return;
  }
  void run(async () => {
    if (room.phase === 'waiting') {
      await call('POST', `/rooms/${room.room_code}/leave`);
    }
    leaveRoomLocally();
  });
}

/** @param {boolean} byHand */
function assignRoles(byHand) {
  const room = state.room;
  if (!room) {
    return;
  }
  const assignments = byHand
    ? room.participants.map((p) => ({ user_id: p.user_id, role_id: state.roleDraft.get(p.user_id) ?? p.role_id ?? 0 }))
    : undefined;
  void run(async () => {
    await call('POST', `/rooms/assign-roles/${room.room_code}`, byHand ? { assignments } : {});
    await refreshRoom();
  });
}

/**
 * A host action on the room (bots, remove, hand on, end): posted, then the room read again.
 * @param {string} path @param {unknown} [body]
 */
function hostAction(path, body) {
  void run(async () => {
    await call('POST', path, body);
    state.confirmingEnd = false;
    await refreshRoom();
  });
}

function startGame() {
  const room = state.room;
  if (room) {
    void run(async () => {
      await call('POST', `/rooms/${room.room_code}/start`);
      await refreshRoom();
    });
  }
}

/**
 * Whether every group of options of a form has an answer. Those without one are marked invalid, with the error beside
 * them (radios), and the first takes the focus: the error was only in the alert at the top of the page, tied to no
 * field, and a screen reader user had to find which group it meant.
 * @param {Record<string, number | null>} groups each group's answer, by the group's name
 */
function answered(groups) {
  const missing = Object.keys(groups).filter((name) => groups[name] == null);
  state.draft.missing = Object.fromEntries(missing.map((name) => [name, name.endsWith('confidence') ? 'invalid_confidence' : 'invalid_choice']));
  render();
  if (missing.length > 0) {
    /** @type {HTMLElement | null} */ (document.querySelector(`#${missing[0]}-group input`))?.focus();
  }
  return missing.length === 0;
}

/** The values a choice's submission_id stands for. @param {string} roomCode @param {number} round @param {number | null} choice @param {number | null} confidence */
function choiceKey(roomCode, round, choice, confidence) {
  return `${roomCode}:${round}:${choice}:${confidence}`;
}

/** @param {Event} event */
function submitChoice(event) {
  event.preventDefault();
  const room = state.room;
  const { choice, confidence } = state.draft;
  if (!room) {
    return;
  }
  if (!answered({ choice, confidence })) {
    return;
  }
  const round = room.current_round;
  const submissionId = submissions.idFor('choice', choiceKey(room.room_code, round, choice, confidence));
  // The language the round was read in when the choice was made, taken now: a switch while the request is under way changes nothing.
  const language = lang();
  const userId = currentSession()?.user_id ?? 0;
  // answered() saw both given.
  const sending = { room_code: room.room_code, user_id: userId, round, choice: /** @type {number} */ (choice), confidence: /** @type {number} */ (confidence), submission_id: submissionId };
  void run(async () => {
    await sendRecordedChoice(sending, () => call('POST', `/rooms/${room.room_code}/round-choice`, { round_number: round, choice, confidence, submission_id: submissionId, language }));
    announce(t('round.submitted'));
  });
}

/** @param {Event} event */
function submitConsensus(event) {
  event.preventDefault();
  const room = state.room;
  const { consensus, consensusConfidence } = state.draft;
  if (!room) {
    return;
  }
  if (!answered({ consensus, 'consensus-confidence': consensusConfidence })) {
    return;
  }
  const round = room.current_round;
  const submissionId = submissions.idFor('consensus', `${room.room_code}:${round}:${consensus}:${consensusConfidence}`);
  const language = lang();
  void run(async () => {
    await call('POST', `/rooms/${room.room_code}/consensus-choice`, { round_number: round, choice: consensus, confidence: consensusConfidence, submission_id: submissionId, language });
    await refreshRoom();
  });
}

function loadFeedback() {
  const room = state.room;
  if (!room) {
    return;
  }
  state.feedbackLoading = true;
  void run(async () => {
    try {
      // Both languages at once: the texts follow a later switch of the page's language without asking the model again.
      state.feedback = await call('POST', `/rooms/${room.room_code}/ai/feedback?lang=all`, {});
    } finally {
      state.feedbackLoading = false;
    }
  });
}

function signOut() {
  const session = currentSession();
  // A student waiting for the class's start leaves its pool first (the logout ends the token that request needs), or the
  // start would seat them beside two who would wait for them.
  const leftPool = classPage.leave().catch(() => {});
  closeRoomSockets();
  consolePage.forget();
  myDataPage.forget();
  adminPage.leave();
  state.room = null;
  sessionStorage.removeItem(ROOM_KEY);
  sessionStorage.removeItem(NICKNAME_KEY);
  forgetRecordedChoice();
  if (session) {
    void leftPool.then(() => call('POST', '/auth/logout', { refresh_token: session.refresh_token })).catch(() => {});
  }
  setSession(null);
  void showSignIn();
}

// ---------------------------------------------------------------- screens

function render() {
  const main = byId('main');
  const focused = document.activeElement;
  const holder = holderOf(focused);
  document.title = t('app.title');
  byId('app-title').textContent = t('app.title');
  byId('skip-link').textContent = t('app.skip');
  byId('lang-label').textContent = t('app.language');
  const signOutButton = byId('sign-out');
  signOutButton.textContent = t('app.signOut');
  signOutButton.hidden = !currentSession();
  main.dataset.view = state.view;
  const drawn = screen();
  markInvalidField(drawn);
  morphChildren(main, drawn);
  renderBanner();
  keepFocus(focused, holder);
}

/**
 * After a redraw that took away the focused control (a room update turning the host's Remove into Hand host as the
 * player comes back, the console's Remove as the student is removed from another device), the focus goes to what now
 * stands in its place, or the region it sat in, or the screen's heading: it fell to the page's body, and the keyboard
 * user's next Tab started again from the top of the page. Likewise for a control the redraw disabled. A focus the
 * redraw did not take is left where it is.
 * @param {Element | null} focused what had the focus before the redraw
 * @param {HTMLElement | null} holder the region it sat in (holderOf), found before the redraw
 */
function keepFocus(focused, holder) {
  if (focused && !focused.isConnected) {
    giveFocusBack(focused, holder);
  } else if (!state.busy && focused instanceof HTMLButtonElement && focused.disabled) {
    // Greyed out under the focus by an update (the console's Remove as the student connects): the browser dropped the
    // focus to the body. While an action runs its buttons are disabled on purpose, and run gives the focus back itself.
    const region = stillShown(holder);
    if (region) {
      region.focus();
    } else {
      focusHeading();
    }
  }
}

/** @returns {HTMLElement[]} */
function screen() {
  switch (state.view) {
    case 'starting':
      return [h('p', { class: 'muted', role: 'status' }, t('app.working'))];
    case 'signin':
      return signInScreen();
    case 'lobby':
      return lobbyScreen();
    case 'research':
      return researchPage.view(state.topics, state.busy, runFrom, () => void run(showLobby));
    case 'admin':
      return adminPage.view(state.busy, runFrom, () => void run(leaveAdmin));
    case 'console':
      return consolePage.view(state.topics, state.busy, runFrom, () => void run(leaveConsole));
    case 'class':
      return classPage.view(state.consent, state.busy, runFrom, () => void run(leaveClassSession));
    case 'mydata':
      return myDataPage.view(state.consent, state.busy, runFrom, () => void run(showLobby));
    default:
      return roomScreen();
  }
}

function renderBanner() {
  const banner = byId('connection');
  banner.hidden = state.down.size === 0;
  banner.textContent = state.down.size === 0 ? '' : t('app.reconnecting');
}

function signInScreen() {
  return [
    h('h2', { id: 'screen-title', tabindex: -1 }, t('signin.title')),
    h('p', {}, t('signin.intro')),
    ...(classSessionStored() ? [h('p', { class: 'notice warn', id: 'class-from-link', role: 'status' }, t('class.fromLink', { code: classSessionStored() ?? '' }))] : []),
    consentSection(),
    h('form', { class: 'card', id: 'guest-form', onsubmit: signInAsGuest },
      h('h3', {}, t('signin.guest')),
      h('label', { for: 'guest-nickname' }, t('signin.nickname')),
      h('input', { type: 'text', id: 'guest-nickname', name: 'nickname', maxlength: 32, autocomplete: 'nickname', required: true }),
      h('button', { type: 'submit', id: 'guest-submit', disabled: state.busy }, t('signin.guestButton'))),
    h('form', { class: 'card', id: 'account-form', onsubmit: (/** @type {Event} */ e) => signInWithAccount(e, 'login') },
      h('h3', {}, t('signin.account')),
      h('label', { for: 'account-username' }, t('signin.username')),
      h('input', { type: 'text', id: 'account-username', name: 'username', autocomplete: 'username', required: true }),
      h('label', { for: 'account-password' }, t('signin.password')),
      h('input', { type: 'password', id: 'account-password', name: 'password', autocomplete: 'current-password', required: true }),
      h('label', { for: 'account-email' }, t('signin.email')),
      h('input', { type: 'email', id: 'account-email', name: 'email', autocomplete: 'email' }),
      // The one-time code a new server prints for its first admin: without a field here it could only be sent with curl.
      h('details', { id: 'setup-details' },
        h('summary', {}, t('signin.setupSummary')),
        h('p', { class: 'hint', id: 'setup-hint' }, t('signin.setupHint')),
        h('label', { for: 'account-setup-code' }, t('signin.setupCode')),
        h('input', { type: 'text', id: 'account-setup-code', name: 'setup_code', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'setup-hint' })),
      h('div', { class: 'row' },
        h('button', { type: 'submit', id: 'login-submit', disabled: state.busy }, t('signin.login')),
        h('button', { type: 'button', class: 'secondary', id: 'register-submit', disabled: state.busy, onclick: (/** @type {Event} */ e) => signInWithAccount(e, 'register') }, t('signin.register')))),
    withdrawByCodeForm(state.busy, runFrom, render),
  ];
}

/**
 * The consent questions, above both ways in. They sat inside the guest card while Create account quietly sent their answers
 * too: someone making an account never saw what they had agreed to. A sign-in to an existing account sends none (its
 * answers were given when it was made, and are changed under Your data and consent); the hint says so.
 */
function consentSection() {
  return h('section', { class: 'card', id: 'consent-section', 'aria-labelledby': 'consent-title' },
    h('h3', { id: 'consent-title' }, t('signin.consentTitle')),
    h('p', { class: 'hint', id: 'consent-applies' }, t('signin.consentApplies')),
    h('fieldset', { 'aria-describedby': 'consent-applies' },
      h('legend', {}, t('signin.consentLegend')),
      state.consent
        ? h('details', { id: 'consent-text' },
          h('summary', {}, t('signin.consentVersion', { version: state.consent.version })),
          h('div', { class: 'consent-text', lang: lang() }, pick(state.consent.texts)))
        : h('p', { class: 'hint', id: 'consent-missing' }, t('signin.consentMissing')),
      h('label', { class: 'inline', for: 'data-consent' },
        h('input', { type: 'checkbox', id: 'data-consent', name: 'data_consent', 'aria-describedby': 'data-hint', disabled: !state.consent }),
        h('span', {}, t('signin.dataConsent'))),
      h('p', { class: 'hint', id: 'data-hint' }, t('signin.dataHint')),
      h('label', { class: 'inline', for: 'voice-consent' },
        h('input', { type: 'checkbox', id: 'voice-consent', name: 'voice_consent', 'aria-describedby': 'voice-hint', disabled: !state.consent }),
        h('span', {}, t('signin.voiceConsent'))),
      h('p', { class: 'hint', id: 'voice-hint' }, t('signin.voiceHint'))));
}

/**
 * The game this player is still in (their tab closed, their browser restarted): back in with one press.
 * @param {Room} room
 */
function unfinishedCard(room) {
  const code = room.room_code;
  return h('section', { class: 'card', id: 'unfinished-game', 'aria-labelledby': 'unfinished-title' },
    h('h3', { id: 'unfinished-title' }, t('lobby.unfinished')),
    h('p', {}, t('lobby.unfinishedText', { title: room.title, code })),
    h('button', {
      type: 'button',
      id: 'unfinished-rejoin',
      disabled: state.busy,
      onclick: () => void run(async () => enterRoom(await call('GET', `/rooms/${encodeURIComponent(code)}`))),
    }, t('lobby.unfinishedButton')));
}

/**
 * The topics as a group of radios whose words wrap, the first checked: in a select a topic's title was cut off on a phone
 * (320 px), as a select cannot wrap.
 * @param {string} id @param {boolean} withAny
 */
function topicChoices(id, withAny) {
  const items = [...(withAny ? [{ value: '', label: t('lobby.anyTopic') }] : []),
    ...state.topics.map((topic) => ({ value: topic.topic, label: pick(topic.title) || topic.topic }))];
  return radioGroup({ id, legend: t('lobby.topic'), name: 'topic', items });
}

function lobbyScreen() {
  return [
    h('h2', { id: 'screen-title', tabindex: -1 }, t('lobby.title')),
    h('p', { class: 'muted' }, t('lobby.hello', { name: nickname() })),
    ...(state.unfinished ? [unfinishedCard(state.unfinished)] : []),
    ...(state.roles.some((role) => RESEARCH_ROLES.includes(role))
      ? [h('button', { type: 'button', class: 'secondary', id: 'open-research', disabled: state.busy, onclick: () => void run(showResearch) }, t('research.open'))]
      : []),
    ...(state.roles.some((role) => ADMIN_ROLES.includes(role))
      ? [h('button', { type: 'button', class: 'secondary', id: 'open-admin', disabled: state.busy, onclick: showAdmin }, t('admin.open'))]
      : []),
    ...(state.roles.some((role) => CONSOLE_ROLES.includes(role))
      ? [h('button', { type: 'button', class: 'secondary', id: 'open-console', disabled: state.busy, onclick: () => void run(showConsole) }, t('console.open'))]
      : []),
    h('button', { type: 'button', class: 'secondary', id: 'open-my-data', disabled: state.busy, onclick: () => void run(showMyData) }, t('mydata.open')),
    h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'rooms-title' },
        h('h3', { id: 'rooms-title' }, t('lobby.public')),
        state.rooms.length === 0
          ? h('p', { class: 'muted' }, t('lobby.noRooms'))
          : h('ul', { class: 'plain', id: 'room-list' }, state.rooms.map((room) => h('li', {},
            h('span', {}, h('strong', {}, room.title), ' ', h('span', { class: 'tag' }, t('lobby.players', { count: room.participant_count }))),
            h('button', { type: 'button', id: `join-${room.room_code}`, 'aria-label': t('lobby.joinRoom', { code: room.room_code }), disabled: state.busy, onclick: () => joinRoom(room.room_code) }, t('lobby.join'))))),
        h('button', { type: 'button', class: 'secondary', id: 'refresh-rooms', disabled: state.busy, onclick: () => void run(loadLobby) }, t('lobby.refresh'))),
      h('form', { class: 'card', id: 'create-form', onsubmit: createRoom },
        h('h3', {}, t('lobby.create')),
        h('label', { for: 'create-title' }, t('lobby.roomTitle')),
        h('input', { type: 'text', id: 'create-title', name: 'title', maxlength: 100, required: true }),
        topicChoices('create-topic', false),
        h('fieldset', {},
          h('legend', {}, t('lobby.visibility')),
          h('label', { class: 'inline', for: 'visibility-public' }, h('input', { type: 'radio', id: 'visibility-public', name: 'visibility', value: 'public', defaultChecked: true }), t('lobby.publicRoom')),
          h('label', { class: 'inline', for: 'visibility-private' }, h('input', { type: 'radio', id: 'visibility-private', name: 'visibility', value: 'private' }), t('lobby.privateRoom'))),
        h('label', { for: 'create-choice-seconds' }, t('lobby.choiceSeconds')),
        h('input', { type: 'number', id: 'create-choice-seconds', name: 'choice_seconds', min: 1, max: 3600, inputmode: 'numeric' }),
        ...creationFields(),
        h('button', { type: 'submit', id: 'create-submit', disabled: state.busy }, t('lobby.createButton'))),
      h('form', { class: 'card', id: 'code-form', onsubmit: joinByCode },
        h('h3', {}, t('lobby.byCode')),
        h('label', { for: 'join-code' }, t('lobby.code')),
        h('input', { type: 'text', id: 'join-code', name: 'room_code', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, autocomplete: 'off', required: true }),
        h('button', { type: 'submit', id: 'code-submit', disabled: state.busy }, t('lobby.joinButton'))),
      h('form', { class: 'card', id: 'class-form', onsubmit: joinClassByCode },
        h('h3', {}, t('lobby.classTitle')),
        h('label', { for: 'class-code' }, t('lobby.classCode')),
        h('input', { type: 'text', id: 'class-code', name: 'session_code', pattern: '[23456789A-HJ-NP-Za-hj-np-z]{10}', maxlength: 10, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true }),
        h('button', { type: 'submit', id: 'class-submit', disabled: state.busy }, t('lobby.classButton'))),
      h('form', { class: 'card', id: 'quick-form', onsubmit: quickJoin },
        h('h3', {}, t('lobby.quick')),
        h('p', { class: 'hint' }, t('lobby.quickHint')),
        topicChoices('quick-topic', true),
        h('button', { type: 'submit', id: 'quick-submit', disabled: state.busy }, t('lobby.quickButton')))),
  ];
}

function roomScreen() {
  const room = state.room;
  if (!room) {
    return [];
  }
  const selfId = currentSession()?.user_id;
  const isHost = room.host_user_id === selfId;
  const header = h('div', {},
    h('h2', { id: 'screen-title', tabindex: -1 }, room.title),
    h('p', { class: 'row' },
      h('span', { id: 'room-code' }, t('room.code', { code: room.room_code })),
      h('span', { class: 'tag', id: 'room-phase' }, t(`room.phase.${room.phase}`))));
  /** @type {HTMLElement[]} */
  const body = [];
  if (state.elsewhere) {
    // What this page last saw is no longer followed: shown, it would be taken for the game as it is.
    return [header, h('div', { class: 'notice warn', id: 'elsewhere' },
      h('p', {}, t('room.elsewhere')),
      h('button', { type: 'button', id: 'play-here', disabled: state.busy, onclick: playHere }, t('room.playHere')))];
  }
  if (room.phase === 'waiting') {
    body.push(waitingSection(room, isHost));
  } else if (room.phase === 'started') {
    body.push(...roundSections(room, isHost, selfId ?? 0));
    if (isHost) {
      body.push(hostTools(room, selfId ?? 0, state.busy, hostAction, {
        confirmingEnd: state.confirmingEnd,
        setConfirmingEnd: (on) => {
          state.confirmingEnd = on;
          render();
          // The question takes the focus from the button that asked it, and gives it back when answered No: the
          // button pressed was gone, and the focus fell to the top of the page.
          document.getElementById(on ? 'end-ask' : 'end-game')?.focus();
        },
      }));
    }
  } else {
    body.push(...finishedSections(room));
    // The game is over: without this the lobby (a next game, another class) was reachable only by signing out.
    body.push(h('button', { type: 'button', class: 'secondary', id: 'room-back', disabled: state.busy, onclick: leaveRoom }, t('room.back')));
  }
  body.push(voiceSection());
  const moved = state.movedFrom
    ? h('p', { class: 'notice warn', id: 'moved-notice', role: 'status' }, t('room.movedHere', { from: state.movedFrom }))
    : null;
  const extended = state.extendedRound === room.current_round && room.phase === 'started'
    ? h('p', { class: 'notice warn', id: 'extended-notice' }, t('room.extended'))
    : null;
  return [header, ...(moved ? [moved] : []), ...(extended ? [extended] : []), ...facilitatorMessages.view(), ...body];
}

/** @param {Room} room @param {boolean} isHost */
function participantList(room, isHost) {
  const selfId = currentSession()?.user_id;
  return h('ul', { class: 'plain', id: 'participants' }, room.participants.map((p) => h('li', { 'data-user-id': p.user_id },
    // The spaces keep the words apart in the text (a screen reader's, a copy); the flex gap keeps them apart on screen.
    h('span', { class: 'name-tags' }, h('strong', {}, displayName(p)),
      p.user_id === selfId ? [' ', h('span', { class: 'tag' }, t('room.you'))] : null,
      p.is_host ? [' ', h('span', { class: 'tag' }, t('room.host'))] : null,
      ' ', presenceTag(p) ?? (state.connected.get(p.user_id) === false ? h('span', { class: 'tag warn' }, t('room.offline')) : null)),
    isHost && room.participants.length === 3 ? roleSelect(p) : h('span', { class: 'tag role' }, roleName(p.role_id)))));
}

/**
 * The host's pick of a seat's role. A seat without one showed the first role ("everyone is Caregiver"), as no option
 * matched: it shows a placeholder that cannot be picked back once a role is chosen.
 * @param {import('./api.js').Participant} p
 */
function roleSelect(p) {
  const current = state.roleDraft.get(p.user_id) ?? p.role_id ?? 0;
  return h('span', {},
    h('label', { class: 'visually-hidden', for: `role-${p.user_id}` }, t('room.roleFor', { name: displayName(p) })),
    h('select', { id: `role-${p.user_id}`, onchange: (/** @type {Event} */ e) => state.roleDraft.set(p.user_id, Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value)) },
      h('option', { value: 0, disabled: true, selected: current === 0 }, t('room.chooseRole')),
      [1, 2, 3].map((role) => h('option', { value: role, selected: current === role }, roleName(role)))));
}

/** @param {Room} room @param {boolean} isHost */
function waitingSection(room, isHost) {
  const full = room.participants.length === 3;
  const rolesAssigned = room.participants.every((p) => p.role_id);
  return h('section', { class: 'card', 'aria-labelledby': 'participants-title' },
    h('h3', { id: 'participants-title' }, t('room.participants', { count: room.participants.length })),
    participantList(room, isHost),
    // A class session's room is filled by the session (late arrivals), not by a code shared around the class.
    !full ? h('p', { class: 'muted', id: 'need-three' }, room.session_code ? t('room.needThreeClass') : t('room.needThree', { code: room.room_code })) : null,
    isHost && !full ? botControls(room, state.busy, hostAction) : null,
    isHost && full
      ? h('div', { class: 'row' },
        h('button', { type: 'button', id: 'assign-random', disabled: state.busy, onclick: () => assignRoles(false) }, t('room.assignRandom')),
        h('button', { type: 'button', class: 'secondary', id: 'assign-hand', disabled: state.busy, onclick: () => assignRoles(true) }, t('room.assignByHand')),
        h('button', { type: 'button', id: 'start-game', disabled: state.busy || !rolesAssigned, 'aria-describedby': rolesAssigned ? null : 'start-hint', onclick: startGame }, t('room.start')))
      : null,
    // The server starts a game only once each seat has its role (roles_not_assigned): a greyed-out Start said nothing of it.
    isHost && full && !rolesAssigned ? h('p', { class: 'hint', id: 'start-hint' }, t('room.startNeedsRoles')) : null,
    !isHost ? h('p', { class: 'muted' }, t('room.waitHost')) : null,
    room.session_code ? h('p', { class: 'hint', id: 'leave-class-hint' }, t('room.leaveClassHint', { code: room.session_code })) : null,
    h('button', { type: 'button', class: 'secondary', id: 'leave-room', disabled: state.busy, onclick: leaveRoom }, t('room.leave')));
}

/**
 * Radio buttons inside a fieldset.
 * @param {string} name
 * @param {string} legend
 * @param {{ value: number, label: string }[]} items
 * @param {number | null} selected
 * @param {(value: number) => void} onPick
 * @param {string} [layout] 'scale' lays a 1–5 scale out in one row
 */
function radios(name, legend, items, selected, onPick, layout = '') {
  const missing = state.draft.missing[name];
  const errorId = `${name}-error`;
  const pickOne = (/** @type {number} */ value) => {
    onPick(value);
    if (missing) {
      delete state.draft.missing[name];
      render();
    }
  };
  return h('div', {},
    h('fieldset', { class: `options ${layout}`.trim(), id: `${name}-group` },
      h('legend', {}, legend),
      items.map((item) => h('label', { class: 'inline', for: `${name}-${item.value}` },
        h('input', {
          type: 'radio', id: `${name}-${item.value}`, name, value: item.value, checked: selected === item.value, onchange: () => pickOne(item.value),
          'aria-invalid': missing ? 'true' : null, 'aria-describedby': missing ? errorId : null,
        }),
        h('span', {}, item.label)))),
    // Beside the group, not in it: inside, it would be one more box of the 1–5 row.
    missing ? h('p', { class: 'field-error', id: errorId }, t(`error.${missing}`)) : null);
}

/** @param {number} roundNumber */
function optionsOf(roundNumber) {
  const round = state.scenario?.rounds.find((r) => r.round_number === roundNumber);
  return round ? round.options.map((option, index) => ({ value: index, label: `${optionLetter(index)}. ${pick(option)}` })) : [];
}

const confidenceItems = [1, 2, 3, 4, 5].map((value) => ({ value, label: String(value) }));

/**
 * What is left of a round timer, counted down from the server's deadline_at.
 * @param {string} deadlineAt @param {string} kind
 */
function timerText(deadlineAt, kind) {
  return t(kind === 'consensus' ? 'round.timerConsensus' : 'round.timerChoice', { time: countdown(deadlineAt) });
}

/**
 * The seconds left at which the live region warns (a role="timer" is not read out as it changes, and reading each
 * second would drown everything else): once a minute is left, and once ten seconds are.
 */
const TIMER_WARNINGS = [60, 10];

/** The deadlines and thresholds already warned of, as "deadline_at|seconds": each is said once. @type {Set<string>} */
const timerWarned = new Set();

/**
 * Says, once, that the round's time is nearly up; a deadline first seen with less time left than a threshold (a reload)
 * is not warned of that threshold late.
 * @param {string} deadlineAt @param {string} kind
 */
function warnOfDeadline(deadlineAt, kind) {
  const left = (Date.parse(deadlineAt) - Date.now()) / 1000;
  for (const seconds of TIMER_WARNINGS) {
    const key = `${deadlineAt}|${seconds}`;
    if (left <= seconds && left > seconds - 2 && !timerWarned.has(key)) {
      timerWarned.add(key);
      announce(t(kind === 'consensus' ? 'live.timerConsensus' : 'live.timerChoice', { time: countdown(deadlineAt) }));
    }
  }
}

// The countdown changes one text each second; drawing the whole screen again would wipe a half-made choice.
window.setInterval(() => {
  const timer = document.getElementById('round-timer');
  if (timer?.dataset.deadline) {
    const kind = timer.dataset.kind ?? 'choice';
    timer.textContent = timerText(timer.dataset.deadline, kind);
    warnOfDeadline(timer.dataset.deadline, kind);
  }
}, 1000);

/**
 * A choice this player made on another device (this one kept none) is read from what the server holds, once per room
 * and round, and shown if the options are still untouched: that device's page said "your choice is recorded" over empty
 * options. A failed read leaves them empty, as before; the choice is recorded all the same.
 * @param {string} roomCode @param {number} round
 */
async function askHeldChoice(roomCode, round) {
  const asked = `${roomCode}:${round}`;
  if (state.heldChoiceAsked === asked) {
    return;
  }
  state.heldChoiceAsked = asked;
  const held = await heldChoice(roomCode, round).catch(() => null);
  if (held && state.room?.room_code === roomCode && state.draft.round === round && state.draft.choice === null && state.draft.confidence === null) {
    state.draft = { ...state.draft, choice: held.choice, confidence: held.confidence };
    render();
  }
}

/** @param {Room} room @param {boolean} isHost @param {number} selfId */
function roundSections(room, isHost, selfId) {
  const roundNumber = room.current_round;
  if (state.draft.round !== roundNumber) {
    // A choice the server has from this player (before a reload, in another tab) is shown as it was made, and the same
    // values sent again are the same submission.
    const recorded = room.chosen_this_round.includes(selfId) ? recordedChoice(room.room_code, selfId, roundNumber) : null;
    if (recorded) {
      submissions.remember('choice', choiceKey(room.room_code, roundNumber, recorded.choice, recorded.confidence), recorded.submission_id);
    }
    state.draft = { ...emptyDraft(roundNumber), choice: recorded?.choice ?? null, confidence: recorded?.confidence ?? null };
  }
  if (room.chosen_this_round.includes(selfId) && state.draft.choice === null && state.draft.confidence === null) {
    void askHeldChoice(room.room_code, roundNumber);
  }
  const round = state.scenario?.rounds.find((r) => r.round_number === roundNumber);
  const me = room.participants.find((p) => p.user_id === selfId);
  const context = me?.role_id && round ? round.role_contexts[String(me.role_id)] : undefined;
  const chosen = new Set(room.chosen_this_round);
  const iChose = chosen.has(selfId);
  // The room does not wait for a seat that dropped out or was removed (or moved): counted, "0 of 3 have chosen" sat over
  // four rows, and the group decision waited for someone who would never choose.
  const playing = room.participants.filter(takesPart);
  const departed = room.participants.filter((p) => !takesPart(p));
  // Past the choice deadline the decision is open with the choices there are: waiting for "everyone" held the host's
  // form back for good once someone had let the time run out.
  const closed = Boolean(room.choices_closed);
  const allChosen = closed || playing.every((p) => chosen.has(p.user_id));
  const options = optionsOf(roundNumber);
  // The server answers 409 room_paused to a choice or a decision while paused; the buttons say so first.
  const paused = Boolean(room.paused);

  const dilemma = h('section', { class: 'card', 'aria-labelledby': 'round-title' },
    h('h3', { id: 'round-title', tabindex: -1 }, t('round.title', { round: roundNumber }), round ? ` — ${pick(round.title)}` : ''),
    h('p', { class: 'tag', id: 'my-role' }, t('round.yourRole', { role: roleName(me?.role_id ?? null) })),
    pausedNotices(room),
    // Paused, the deadline stands still (the server moves it on by the pause at the resume): the time it had left, no countdown.
    room.deadline_at && paused
      ? h('p', { id: 'round-timer', role: 'timer', 'data-paused': 'true' },
        room.paused_at ? t('round.timerPausedLeft', { time: countdown(room.deadline_at, room.paused_at) }) : t('round.timerPaused'))
      : room.deadline_at
        ? h('p', { id: 'round-timer', role: 'timer', 'data-deadline': room.deadline_at, 'data-kind': room.deadline_kind ?? 'choice' }, timerText(room.deadline_at, room.deadline_kind ?? 'choice'))
        : null,
    round ? h('p', { class: 'dilemma', id: 'dilemma-text' }, pick(round.dilemma)) : null,
    context ? h('div', {},
      h('h4', {}, t('round.context')), h('p', { class: 'dilemma', id: 'role-context' }, pick(context.context)),
      h('h4', {}, t('round.question')), h('p', { id: 'role-question' }, pick(context.question))) : null,
    // Past the choice deadline the server refuses every choice (choices_closed): a page opened after it, or left open
    // through it, offered a form that could only fail.
    closed
      ? h('p', { class: 'hint', id: 'choices-closed' }, iChose ? t('round.closedChosen') : t('round.closedMissed'))
      : h('form', { id: 'choice-form', onsubmit: submitChoice },
        radios('choice', t('round.options'), options, state.draft.choice, (value) => {
          state.draft.choice = value;
        }),
        radios('confidence', t('round.confidence'), confidenceItems, state.draft.confidence, (value) => {
          state.draft.confidence = value;
        }, 'scale'),
        h('button', { type: 'submit', id: 'choice-submit', disabled: state.busy || paused }, iChose ? t('round.revise') : t('round.submit')),
        iChose ? h('p', { class: 'hint', id: 'choice-recorded' }, t('round.submitted')) : null));

  const who = h('section', { class: 'card', 'aria-labelledby': 'chosen-title' },
    h('h3', { id: 'chosen-title' }, t('round.chosen')),
    h('p', { id: 'chosen-count' }, t('round.chosenCount', { count: playing.filter((p) => chosen.has(p.user_id)).length, total: playing.length })),
    h('ul', { class: 'plain', id: 'chosen-list' }, playing.map((p) => h('li', { 'data-user-id': p.user_id },
      h('span', { class: 'name-tags' }, displayName(p), ' ', h('span', { class: 'muted' }, roleName(p.role_id)), ' ',
        presenceTag(p) ?? (state.connected.get(p.user_id) === false ? h('span', { class: 'tag warn' }, t('room.offline')) : null)),
      h('span', { class: chosen.has(p.user_id) ? 'tag ok' : 'tag' },
        chosen.has(p.user_id) ? t('round.hasChosen') : closed ? t('round.timedOut') : t('round.notYet'))))),
    departed.length === 0 ? null : [
      h('h4', { id: 'departed-title' }, t('round.departed')),
      h('ul', { class: 'plain', id: 'departed-list', 'aria-labelledby': 'departed-title' }, departed.map((p) => h('li', { 'data-user-id': p.user_id },
        h('span', { class: 'name-tags' }, displayName(p), ' ', h('span', { class: 'muted' }, roleName(p.role_id)), ' ', presenceTag(p))))),
    ]);

  /** @type {HTMLElement} */
  let decision;
  if (!allChosen) {
    decision = h('p', { class: 'muted', id: 'consensus-wait' }, t('round.waitChoices'));
  } else if (isHost) {
    decision = h('form', { id: 'consensus-form', onsubmit: submitConsensus },
      h('p', {}, t('round.discuss')),
      radios('consensus', t('round.options'), options, state.draft.consensus, (value) => {
        state.draft.consensus = value;
      }),
      radios('consensus-confidence', t('round.consensusConfidence'), confidenceItems, state.draft.consensusConfidence, (value) => {
        state.draft.consensusConfidence = value;
      }, 'scale'),
      h('button', { type: 'submit', id: 'consensus-submit', disabled: state.busy || paused }, t('round.consensusSubmit')));
  } else {
    // Named: after a hand-off (or the host dropping out) "the host" left the others guessing who that now was.
    const host = room.participants.find((p) => p.user_id === room.host_user_id);
    decision = h('div', {}, h('p', {}, t('round.discuss')),
      h('p', { class: 'muted', id: 'consensus-wait' }, t('round.waitConsensus', { name: host ? displayName(host) : '' })));
  }
  const group = h('section', { class: 'card', 'aria-labelledby': 'consensus-title' }, h('h3', { id: 'consensus-title' }, t('round.consensus')), decision);
  return [dilemma, roundQuestions.view(room.room_code, roundNumber, state.busy, (action) => void run(action)), who, group, pastDecisions(room)];
}

/**
 * What holds a paused game, said to everyone in it: its facilitator, or a player the room waits for (or both).
 * @param {Room} room
 */
function pausedNotices(room) {
  const notices = [
    room.facilitator_paused ? t('round.pausedByFacilitator') : null,
    waitsForDropout(room) ? t('round.pausedForDropout') : null,
  ].filter((text) => text !== null);
  return notices.length === 0 ? null : h('div', { class: 'notice warn', id: 'paused-notice', role: 'status' }, notices.map((text) => h('p', {}, text)));
}

/** @param {Room} room */
function pastDecisions(room) {
  return h('section', { class: 'card', 'aria-labelledby': 'past-title', hidden: room.consensus.length === 0 },
    // "so far" said of a game that is over read as if more were to come.
    h('h3', { id: 'past-title' }, t(room.phase === 'finished' ? 'round.pastFinished' : 'round.past')),
    h('ol', { id: 'past-list' }, room.consensus.map((c) => h('li', {}, t('round.pastItem', {
      round: c.round_number,
      option: optionsOf(c.round_number)[c.choice]?.label ?? optionLetter(c.choice),
      confidence: c.confidence,
    })))));
}

/**
 * Who ended a game before its last round, in words; null for a game played to its end. The screen went straight to the
 * statistics with rounds missing and no word why: a class whose facilitator ended it thought the game had broken.
 * @param {Room} room
 */
function endedEarlyText(room) {
  if (!room.ended_early_at) {
    return null;
  }
  const host = room.participants.find((p) => p.user_id === room.ended_early_by);
  // Ended before any decision, "the rounds your group decided are below" pointed at nothing.
  const none = room.consensus.length === 0 ? 'None' : '';
  return host ? t(`finished.endedByHost${none}`, { name: host.nickname }) : t(`finished.endedByFacilitator${none}`);
}

/** @param {Room} room */
function finishedSections(room) {
  const stats = state.stats;
  const roundLabel = (/** @type {number} */ round) => `${t('stats.round')} ${round}`;
  const endedEarly = endedEarlyText(room);
  /** @type {HTMLElement[]} */
  const sections = [...(endedEarly ? [h('p', { class: 'notice warn', id: 'ended-early' }, endedEarly)] : []), pastDecisions(room)];
  if (stats) {
    const rounds = stats.rounds;
    const text = (/** @type {string} */ key) => ({ title: t(key), description: t(`${key}Desc`), roundLabel });
    // A game ended before its group decided any round has nothing to chart: its charts were bare axes and empty grids.
    const decided = rounds.some((round) => round.consensus_choice != null);
    sections.push(h('section', { class: 'card', 'aria-labelledby': 'stats-title', id: 'statistics' },
      h('h3', { id: 'stats-title' }, t('stats.title')),
      decided
        ? [
          legend(t('stats.individual'), t('stats.group'), t('stats.decided')),
          figure(distributionChart(rounds, text('stats.distribution'))),
          figure(movementChart(rounds, text('stats.movement'))),
          figure(confidenceChart(rounds, text('stats.confidence'))),
          h('details', { id: 'stats-details' },
            h('summary', { id: 'stats-summary' }, t('stats.showTable')),
            statisticsTable(stats)),
        ]
        : h('p', { class: 'muted', id: 'stats-none' }, t('stats.noneDecided'))));
  }
  sections.push(h('section', { class: 'card', 'aria-labelledby': 'feedback-title', id: 'feedback' },
    h('h3', { id: 'feedback-title' }, t('feedback.title')),
    state.feedback
      ? h('div', { id: 'feedback-text' },
        h('p', {}, pick(state.feedback.summary)),
        // A game's summary is also its first point (its agreement); said once.
        h('ul', {}, (state.feedback.points ?? [])
          .filter((/** @type {any} */ point) => pick(point.text) !== pick(state.feedback.summary))
          .map((/** @type {any} */ point) => h('li', {}, pick(point.text)))))
      : h('button', { type: 'button', id: 'feedback-load', disabled: state.busy, onclick: loadFeedback }, state.feedbackLoading ? t('feedback.loading') : t('feedback.load'))));
  const withdrawal = withdrawalCodeSection(state.withdrawal);
  if (withdrawal) {
    sections.push(withdrawal);
  }
  return sections;
}

/** @param {RoomStatistics} stats */
function statisticsTable(stats) {
  // On a phone the tables scroll sideways in here: a region a keyboard can reach and scroll.
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'stats-summary' },
    h('table', { id: 'stats-table' },
      h('caption', {}, t('stats.distribution')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('stats.round')), h('th', { scope: 'col' }, t('stats.option')), h('th', { scope: 'col' }, t('stats.count')),
        h('th', { scope: 'col' }, t('stats.isConsensus')))),
      h('tbody', {}, stats.rounds.flatMap((round) => round.distribution.map((count, option) => h('tr', {},
        h('th', { scope: 'row' }, round.round_number),
        h('td', {}, optionsOf(round.round_number)[option]?.label ?? optionLetter(option)),
        h('td', {}, count),
        h('td', {}, round.consensus_choice === option ? t('stats.yes') : t('stats.no'))))))),
    h('table', { id: 'confidence-table' },
      h('caption', {}, t('stats.confidence')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('stats.round')), h('th', { scope: 'col' }, t('stats.meanConfidence')), h('th', { scope: 'col' }, t('stats.consensusConfidence')))),
      h('tbody', {}, stats.rounds.map((round) => h('tr', {},
        h('th', { scope: 'row' }, round.round_number),
        h('td', {}, round.mean_confidence == null ? '' : round.mean_confidence.toFixed(2)),
        h('td', {}, round.consensus_confidence ?? ''))))),
    movementTable(stats));
}

/**
 * The movement chart's numbers: each player's own choice and sureness beside the group's decision. The chart's lines
 * were the only place this was shown, so a screen reader heard what the chart is about but never who moved where.
 * Options go by their letters here: the table above gives each letter's words, and on a phone the words twice a row
 * made the table a dozen screens long.
 * @param {RoomStatistics} stats
 */
function movementTable(stats) {
  /** A bot is named in the page's language (its choices carry no is_bot; the room's seat does). @param {{ user_id: number, nickname: string }} choice */
  const statsName = (choice) => {
    const seat = state.room?.participants.find((p) => p.user_id === choice.user_id);
    return seat ? displayName(seat) : choice.nickname;
  };
  return h('table', { id: 'movement-table' },
    h('caption', {}, t('stats.movement')),
    h('thead', {}, h('tr', {},
      ['stats.round', 'stats.person', 'stats.choice', 'stats.sureness', 'stats.isConsensus', 'stats.changed'].map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, stats.rounds.flatMap((round) => round.choices.map((choice) => h('tr', { 'data-round': round.round_number, 'data-user-id': choice.user_id },
      h('th', { scope: 'row' }, round.round_number),
      h('td', {}, `${statsName(choice)} (${roleName(choice.role_id)})`),
      h('td', { 'data-column': 'choice' }, optionLetter(choice.choice)),
      h('td', { 'data-column': 'sureness' }, choice.confidence),
      h('td', { 'data-column': 'decision' }, round.consensus_choice == null ? '' : optionLetter(round.consensus_choice)),
      h('td', { 'data-column': 'changed' }, choice.changed_position ? t('stats.yes') : t('stats.unchanged')))))));
}

function voiceSection() {
  return h('section', { class: 'card', 'aria-labelledby': 'voice-title', id: 'voice' }, ...voiceContent());
}

function voiceContent() {
  const view = mesh?.view() ?? [];
  const micOn = mesh?.micOn ?? false;
  // Voice ends with the game (endVoice): the card said the microphone was on and offered to start recording.
  if (state.room?.phase === 'finished') {
    return [h('h3', { id: 'voice-title' }, t('voice.title')), h('p', { class: 'muted', id: 'voice-ended' }, t('voice.ended'))];
  }
  return [
    h('h3', { id: 'voice-title' }, t('voice.title')),
    mesh?.noMic
      ? h('p', { class: 'muted' }, t('voice.noMic'))
      : h('div', { class: 'row' },
        h('button', { type: 'button', id: 'mute', 'aria-pressed': String(!micOn), onclick: () => mesh?.setMic(!micOn) }, micOn ? t('voice.mute') : t('voice.unmute')),
        h('span', { class: mesh?.speaking ? 'tag speaking' : 'tag', id: 'mic-state' }, micOn ? t('voice.micOn') : t('voice.micOff'))),
    recording.view(participantName, (message) => voiceSession?.send(message)),
    view.length === 0
      ? h('p', { class: 'muted', id: 'voice-alone' }, aloneText())
      : h('ul', { class: 'plain', id: 'links' }, view.map((peer) => {
        const stateClass = peer.state === 'connected' || peer.state === 'relayed' ? 'tag ok' : peer.state === 'failed' ? 'tag bad' : 'tag warn';
        // Two sides: who (and whether they speak), then the link's state at the row's end. Speaking was a third child of
        // the spaced-out row, and the state tag jumped to its middle whenever the peer spoke.
        return h('li', { 'data-peer-id': peer.peerId, 'data-state': peer.state },
          h('span', { class: 'visually-hidden' }, t('voice.link', { name: participantName(peer.peerId), state: t(`voice.state.${peer.state}`) })),
          h('span', { class: 'name-tags' },
            h('span', { 'aria-hidden': 'true' }, participantName(peer.peerId)), ' ',
            peer.speaking ? h('span', { class: 'tag speaking' }, t('voice.speaking')) : null),
          h('span', { class: stateClass, 'aria-hidden': 'true' }, t(`voice.state.${peer.state}`)));
      })),
  ];
}

/**
 * Why there is no voice link yet, without promising one that will not come: bots do not talk, and players who are offline
 * or gone connect only when they are back.
 */
function aloneText() {
  const room = state.room;
  const selfId = currentSession()?.user_id;
  const people = (room?.participants ?? []).filter((p) => p.user_id !== selfId && !p.is_bot && presenceOf(p) !== 'removed');
  if (people.length > 0) {
    return t('voice.whenOnline');
  }
  return room?.phase === 'waiting' && room.participants.length < 3 ? t('voice.alone') : t('voice.nobody');
}

/** Voice ends with the game: the microphone and the links are let go, and the card says so. */
function endVoice() {
  mesh?.close();
  mesh = null;
  state.down.delete('signaling');
  renderBanner();
  renderVoice();
}

/** Voice changes often (speaking flags): only its card is redrawn. */
function renderVoice() {
  const card = document.getElementById('voice');
  if (!card) {
    return;
  }
  const focused = document.activeElement;
  const holder = holderOf(focused);
  morphChildren(card, voiceContent());
  keepFocus(focused, holder);
}

// ---------------------------------------------------------------- start

async function boot() {
  takeJoinLinkCode();
  setLang(lang());
  const select = /** @type {HTMLSelectElement} */ (byId('lang-select'));
  select.value = lang();
  select.addEventListener('change', () => {
    setLang(select.value === 'en' ? 'en' : 'ko');
    render();
    if (shownError !== null) {
      showError(shownError);
    }
  });
  byId('sign-out').addEventListener('click', signOut);
  // The charts are drawn for the screen's width: a phone turned, or a window made narrow, draws them again.
  NARROW.addEventListener('change', () => render());
  whenSignedOut(() => {
    closeRoomSockets();
    consolePage.forget();
    classPage.stop();
    myDataPage.forget();
    adminPage.leave();
    state.room = null;
    void showSignIn();
  });
  if (!currentSession()) {
    await showSignIn();
    return;
  }
  const code = sessionStorage.getItem(ROOM_KEY);
  if (code) {
    try {
      // A reload puts the player back where they were.
      enterRoom(await call('GET', `/rooms/${code}`));
      return;
    } catch {
      sessionStorage.removeItem(ROOM_KEY);
    }
  }
  if (consoleSessionStored()) {
    // A facilitator who reloads the console is put back in front of their session.
    await showConsole();
    return;
  }
  // A join link just opened in this tab is what the visitor came for, before the page they were on.
  const page = classSessionStored() ? null : sessionStorage.getItem(PAGE_KEY);
  if (page) {
    try {
      await reopenPage(page);
      return;
    } catch (error) {
      // The page is no longer theirs (a role taken away since): the lobby, with the reason said.
      sessionStorage.removeItem(PAGE_KEY);
      adminPage.leave();
      showError(error);
    }
  }
  // A join link opened by someone signed in already, or a reload while waiting for the start.
  await afterSignIn();
}

boot().catch(showError);
