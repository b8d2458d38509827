// The HTTP side of the contract (/work/shared/spec/api.md): bearer tokens kept for the tab,
// refreshed once on a 401, and every error turned into an ApiError with the problem's `code` (and `field`).

/**
 * @typedef {{ access_token: string, refresh_token: string, user_id: number, username: string, is_guest: boolean, guest_id?: string | null }} Session
 * @typedef {{ user_id: number, nickname: string, role_id: number | null, role_name: string | null, is_host: boolean,
 *   presence?: string, is_bot?: boolean }} Participant
 * @typedef {{ round_number: number, choice: number, confidence: number, submitted_by: number }} Consensus
 * @typedef {{ ko: string, en: string }} Localized
 * @typedef {{ context: Localized, question: Localized }} RoleContext
 * @typedef {{ round_number: number, title: Localized, dilemma: Localized, options: Localized[], role_contexts: Record<string, RoleContext> }} ScenarioRound
 * @typedef {{ id: string, topic: string, title: Localized, summary: Localized, rounds: ScenarioRound[] }} Scenario
 * @typedef {{ room_code: string, title: string, topic: string, is_public: boolean, phase: string, host_user_id: number, current_round: number,
 *   participant_count: number, participants: Participant[], chosen_this_round: number[], consensus: Consensus[], version: number, scenario: Scenario | null,
 *   deadline_kind?: string | null, deadline_at?: string | null, on_dropout?: string, paused?: boolean, facilitator_paused?: boolean,
 *   paused_at?: string | null, session_code?: string | null, ended_early_at?: string | null, ended_early_by?: number | null, choices_closed?: boolean }} Room
 * @typedef {{ room_code: string, title: string, topic: string, participant_count: number, phase: string }} RoomListing
 * @typedef {{ user_id: number, nickname: string, role_id: number | null, choice: number, confidence: number, changed_position: boolean }} IndividualChoice
 * @typedef {{ round_number: number, completed: boolean, option_count: number, choices: IndividualChoice[], distribution: number[],
 *   mean_confidence: number | null, consensus_choice: number | null, consensus_confidence: number | null }} RoundStatistics
 * @typedef {{ room_code: string, rounds: RoundStatistics[] }} RoomStatistics
 * @typedef {(action: () => Promise<void>, at?: string | HTMLFormElement) => void} Run runs a user action, its error shown in
 *   the alert; at: the id of the one field the action sends, or the form it sends, whose field an error answer names
 *   (the problem's `field`) is marked invalid and takes the focus
 */

const SESSION_KEY = 'dilemma.session';

/** An answer from the gateway that was not a success, or no answer at all (status 0, code "network"). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} detail
   * @param {string | null} [field] the request body's field the problem is about (snake_case, as sent), if one is
   */
  constructor(status, code, detail, field = null) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

/** @type {Session | null} */
let session = readSession();

/** @type {Promise<boolean> | null} */
let refreshing = null;

/** @type {() => void} */
let onSignedOut = () => {};

/** @returns {Session | null} */
function readSession() {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) {
    return null;
  }
  try {
    return /** @type {Session} */ (JSON.parse(raw));
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

/** @returns {Session | null} */
export function currentSession() {
  return session;
}

/** @param {Session | null} next */
export function setSession(next) {
  session = next;
  if (next) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  } else {
    sessionStorage.removeItem(SESSION_KEY);
  }
}

/** @param {() => void} handler called when the tokens cannot be refreshed */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/**
 * How long a call waits for its whole answer before it counts as lost (status 0, code "network"). A browser waits
 * on a request whose connection went silent (a phone moving between networks) for minutes, and a page that waited
 * with it stood still: a student's wait for the start stopped asking, a pressed button stayed busy. Every wait on
 * the server ends sooner (a grain call's 8 s, the AI facilitator's 30 s), so the server's own answer, a 503
 * included, comes first whenever the network carries it.
 */
export const CALL_TIMEOUT_MS = 40_000;

/**
 * One call to the gateway. Throws ApiError on anything but 2xx, and ApiError(0, "network") when no answer came, or
 * not all of it within the timeout.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {{ headers?: Record<string, string>, timeoutMs?: number, retried?: boolean }} [options] headers: e.g. an
 *   Idempotency-Key; timeoutMs: CALL_TIMEOUT_MS unless given; retried: already sent again after a refresh
 * @returns {Promise<any>}
 */
export async function call(method, path, body, options = {}) {
  const { retried = false, timeoutMs = CALL_TIMEOUT_MS } = options;
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...options.headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (session) {
    headers.Authorization = `Bearer ${session.access_token}`;
  }
  // The signal covers the body too, so an answer that stops halfway is lost as well, not waited on.
  const signal = AbortSignal.timeout(timeoutMs);
  /** @type {Response} */
  let response;
  /** @type {string} */
  let text;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', signal });
    if (response.status === 401 && session && !retried && !path.startsWith('/auth/refresh')) {
      if (await refresh()) {
        return call(method, path, body, { ...options, retried: true });
      }
      setSession(null);
      onSignedOut();
    }
    if (response.status === 204) {
      return null;
    }
    text = await response.text();
  } catch (error) {
    if (error instanceof ApiError) {
      throw error;
    }
    throw new ApiError(0, 'network', '');
  }
  /** @type {any} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? `http_${response.status}`, data?.detail ?? data?.title ?? '', data?.field ?? null);
  }
  return data;
}

/**
 * Exchanges the refresh token for a new pair; one exchange at a time, since a rotated token presented twice revokes the family.
 * @returns {Promise<boolean>}
 */
export function refresh() {
  refreshing ??= (async () => {
    const old = session;
    if (!old) {
      return false;
    }
    try {
      const pair = await call('POST', '/auth/refresh', { refresh_token: old.refresh_token }, { retried: true });
      setSession({ ...old, access_token: pair.access_token, refresh_token: pair.refresh_token });
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * A GET whose answer is not JSON (a file, an image): the bearer token goes with it, an expired one is refreshed
 * once, and a refusal throws ApiError with the problem's code, as call() does.
 * @param {string} path
 * @returns {Promise<Response>} the response, once its headers are in and its status is a success
 */
export async function fetchAuthorized(path) {
  const send = () => fetch(path, { headers: { Authorization: `Bearer ${session?.access_token ?? ''}` }, credentials: 'omit' })
    .catch(() => {
      throw new ApiError(0, 'network', '');
    });
  let response = await send();
  if (response.status === 401 && (await refresh())) {
    response = await send();
  }
  if (!response.ok) {
    /** @type {any} */
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem?.code ?? `http_${response.status}`, problem?.detail ?? '', problem?.field ?? null);
  }
  return response;
}

/**
 * A single-use ticket for a WebSocket URL, so the access token never travels in one.
 * @returns {Promise<string>}
 */
export async function wsTicket() {
  const answer = await call('POST', '/auth/ws-ticket');
  return answer.ticket;
}

/**
 * Remembers the id of the last submission of each kind: a retry or a double click of the same values
 * sends the same submission_id (the server answers the first one again), a change of mind gets a new one.
 */
export class Submissions {
  constructor() {
    /** @type {Map<string, { key: string, id: string }>} */
    this.last = new Map();
  }

  /**
   * @param {string} operation e.g. "choice" or "consensus"
   * @param {string} key the values submitted
   * @returns {string}
   */
  idFor(operation, key) {
    const last = this.last.get(operation);
    if (last && last.key === key) {
      return last.id;
    }
    const id = crypto.randomUUID();
    this.last.set(operation, { key, id });
    return id;
  }

  /**
   * Takes a submission made before this page was loaded (a reload, another tab) as the last of its kind.
   * @param {string} operation @param {string} key the values submitted @param {string} id its submission_id
   */
  remember(operation, key, id) {
    this.last.set(operation, { key, id });
  }
}

/** A device id for guest sign-in, kept so a returning guest on this device is the same guest (32+ characters). */
export function deviceGuestId() {
  const key = 'dilemma.guest_id';
  let id = localStorage.getItem(key);
  if (!id || id.length < 32) {
    id = crypto.randomUUID().replaceAll('-', '') + crypto.randomUUID().replaceAll('-', '');
    localStorage.setItem(key, id);
  }
  return id;
}
