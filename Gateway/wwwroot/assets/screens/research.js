// The researcher page (researcher and admin roles): the research tables' counts, the figures across the study as
// charts, the export as xlsx or CSV with its filters and its progress, and the ledger of past exports with their hashes.
// It only reads /research/* (Gateway/Research); the export streams, so its bytes are counted as they come.

import { ApiError, call, fetchAuthorized } from '../api.js';
import { h, radioGroup, saveFile } from '../dom.js';
import { addStrings, counted, has, number, pick, t, when } from '../i18n.js';
import { figuresSection } from './research-figures.js';

addStrings({
  en: {
    'research.open': 'Research data',
    'research.title': 'Research data',
    'research.back': 'Back to the lobby',
    'research.refresh': 'Read everything again',
    'research.counts': 'Counts',
    'research.countedAt': 'Counted at {at}',
    'research.count.users': 'Users',
    'research.count.guests': 'Guests',
    'research.count.consenting': 'Users who consented to research',
    'research.count.rooms': 'Rooms (waiting / started / finished)',
    'research.count.participants': 'Seats taken',
    'research.count.bots': 'Bots (accounts / seats / choices), not counted among users',
    'research.count.choices': 'Individual choices',
    'research.count.consensus': 'Group decisions',
    'research.count.recording': 'Recording events',
    'research.count.exports': 'Exports',
    'research.export': 'Export',
    'research.from': 'From (included)',
    'research.to': 'To (not included)',
    'research.topic': 'Topic',
    'research.anyTopic': 'All topics',
    'research.phase': 'Game phase',
    'research.anyPhase': 'All phases',
    'research.phase.waiting': 'Waiting',
    'research.phase.started': 'Playing',
    'research.phase.finished': 'Finished',
    'research.study': 'Study (its label)',
    'research.session': 'Class session (its code)',
    'research.studyHint': 'A study label is matched exactly as its sessions were given it. Where the server pseudonymises, an export of a study uses that study’s pseudonyms, the same in every export of it; an export of a session, the pseudonyms of the session’s study; any other, the default ones.',
    'error.invalid_filter': 'That filter cannot be used: dates run from an earlier day to a later one, and a session code has 10 letters and digits.',
    'research.names': 'Include usernames and nicknames',
    'research.namesHint': 'This box counts only on a server that pseudonymises (its Research:Pseudonymise setting): there user ids become pseudonyms, and names are left out unless it is ticked. A server that does not pseudonymise exports user ids and names whether it is ticked or not.',
    'research.namesLast.named': 'The latest export ({at}) was not pseudonymised: it holds user ids and names. Expect the same from this one unless the server’s setting has changed since.',
    'research.namesLast.pseudonyms': 'The latest export ({at}) was pseudonymised: its user ids are pseudonyms for {study}.',
    'research.namesLast.pseudonymsNamed': 'The latest export ({at}) was pseudonymised: its user ids are pseudonyms for {study}, and it holds names, as its box was ticked.',
    'research.filter.study': 'study {study}',
    'research.filter.session': 'session {session}',
    'research.figuresOf': 'Figures of',
    'research.everyRoom': 'Every room',
    'research.studyOption': '{study}: {sessions}, {rooms}',
    'research.sessions.one': '{count} session',
    'research.sessions.other': '{count} sessions',
    'research.rooms.one': '{count} room',
    'research.rooms.other': '{count} rooms',
    'research.studiesListed': 'The {count} most recently played of {total} studies are listed.',
    'research.format': 'File format',
    'research.xlsx': 'Excel workbook (.xlsx)',
    'research.csv': 'CSV (.csv)',
    'research.sheet': 'Sheet (a CSV file holds one)',
    'research.sheet.participants': 'Participants, one row each',
    'research.sheet.rooms': 'Rooms',
    'research.sheet.decisions': 'Individual decisions, every revision',
    'research.sheet.consensus': 'Group decisions',
    'research.sheet.room_events': 'Room events',
    'research.sheet.facilitator_actions': 'Facilitator actions',
    'research.sheet.recording_events': 'Recording events',
    'research.sheet.connection_quality': 'Voice connection quality',
    'research.sheet.scenarios': 'Scenarios',
    'research.sheet.ai_interactions': 'AI facilitator interactions',
    'research.sheetNamed': '{label} ({sheet})',
    'research.exportButton': 'Export',
    'research.exportHint': 'Only participants who consented to research are exported. The file is saved when it has arrived.',
    'research.receiving': 'Receiving… {bytes} bytes so far',
    'research.received': 'Export {id} finished: {bytes} bytes, saved as {file}.',
    'research.started': 'The export has started.',
    'research.ledger': 'Past exports',
    'research.ledgerEmpty': 'No export yet.',
    'research.ledgerCaption': 'The {count} latest of {total} exports, newest first, with the SHA-256 of each sheet',
    'research.ledgerCaptionAll.one': 'The one export, with the SHA-256 of each sheet',
    'research.ledgerCaptionAll.other': 'All {total} exports, newest first, with the SHA-256 of each sheet',
    'research.erasures': 'Withdrawals and removals',
    'research.erasuresHint': 'Each time participants’ rows were deleted: by their own withdrawal, or by the retention rules. An export taken before one still holds those rows; delete or replace its copies.',
    'research.erasuresEmpty': 'Nothing has been withdrawn or removed.',
    'research.erasuresCaption': 'The {count} latest of {total}, newest first; who is never recorded',
    'research.erasuresCaptionAll.one': 'The one erasure; who is never recorded',
    'research.erasuresCaptionAll.other': 'All {total}, newest first; who is never recorded',
    'research.col.erasedAt': 'When',
    'research.col.erasureKind': 'How',
    'research.col.rowsErased': 'Rows deleted',
    'research.col.exportsBefore': 'Exports listed above taken before it',
    'research.erasure.account': 'withdrawn by the participant, signed in',
    'research.erasure.withdrawal_code': 'withdrawn with a withdrawal code',
    'research.erasure.retention': 'removed by the retention period',
    'research.erasure.retention_without_consent': 'removed by the retention period for people without consent',
    'research.col.when': 'Finished',
    'research.col.by': 'By',
    'research.col.format': 'Format',
    'research.col.filter': 'Filter',
    'research.col.rows': 'Rows (participants / rooms)',
    'research.hashOf.participants': 'Participants',
    'research.hashOf.rooms': 'Rooms',
    'research.col.identities': 'Identities',
    'research.ids.pseudonyms': 'Pseudonyms for {study}, no names',
    'research.ids.pseudonymsNamed': 'Pseudonyms for {study}, with names',
    'research.ids.named': 'User ids and names',
    'research.ids.unknown': 'Not recorded',
    'research.col.withdrawn': 'Left out: withdrew consent',
    'research.withdrawnUnknown': 'Not recorded',
    'research.noFilter': 'everything',
  },
  ko: {
    'research.open': '연구 데이터',
    'research.title': '연구 데이터',
    'research.back': '로비로 돌아가기',
    'research.refresh': '모두 다시 불러오기',
    'research.counts': '집계',
    'research.countedAt': '{at} 기준',
    'research.count.users': '사용자',
    'research.count.guests': '게스트',
    'research.count.consenting': '연구 참여에 동의한 사용자',
    'research.count.rooms': '방 (대기 / 진행 / 끝남)',
    'research.count.participants': '참여한 자리',
    'research.count.bots': '봇 (계정 / 자리 / 선택), 사용자 수에는 들지 않음',
    'research.count.choices': '개인 선택',
    'research.count.consensus': '모둠 결정',
    'research.count.recording': '녹음 기록',
    'research.count.exports': '내보내기',
    'research.export': '내보내기',
    'research.from': '시작일 (포함)',
    'research.to': '종료일 (포함 안 함)',
    'research.topic': '주제',
    'research.anyTopic': '모든 주제',
    'research.phase': '게임 단계',
    'research.anyPhase': '모든 단계',
    'research.phase.waiting': '대기 중',
    'research.phase.started': '진행 중',
    'research.phase.finished': '끝남',
    'research.study': '연구 (연구 라벨)',
    'research.session': '수업 세션 (세션 코드)',
    'research.studyHint': '연구 라벨은 세션에 붙인 그대로 정확히 맞춰 봅니다. 서버가 가명을 쓰는 경우, 연구를 골라 내보내면 그 연구의 가명을 씁니다. 같은 연구는 언제 내보내도 가명이 같습니다. 세션을 고르면 그 세션이 속한 연구의 가명을, 그 밖에는 기본 가명을 씁니다.',
    'error.invalid_filter': '그 조건으로는 내보낼 수 없습니다. 날짜는 앞선 날부터 나중 날까지이고, 세션 코드는 글자와 숫자 10자입니다.',
    'research.names': '사용자 이름과 별명 포함',
    'research.namesHint': '이 칸은 가명을 쓰는 서버(Research:Pseudonymise 설정)에서만 효과가 있습니다. 그런 서버에서는 사용자 ID가 가명으로 바뀌고, 여기에 표시하지 않으면 이름이 빠집니다. 가명을 쓰지 않는 서버는 표시 여부와 관계없이 사용자 ID와 이름을 내보냅니다.',
    'research.namesLast.named': '가장 최근 내보내기({at})는 가명 처리되지 않아 사용자 ID와 이름이 들어 있습니다. 그 뒤로 서버 설정이 바뀌지 않았다면 이번 내보내기도 같습니다.',
    'research.namesLast.pseudonyms': '가장 최근 내보내기({at})는 가명 처리되었습니다. 사용자 ID는 {study}의 가명입니다.',
    'research.namesLast.pseudonymsNamed': '가장 최근 내보내기({at})는 가명 처리되었습니다. 사용자 ID는 {study}의 가명이고, 표시했기에 이름이 들어 있습니다.',
    'research.filter.study': '연구 {study}',
    'research.filter.session': '세션 {session}',
    'research.figuresOf': '수치 범위',
    'research.everyRoom': '모든 방',
    'research.studyOption': '{study}: {sessions}, {rooms}',
    'research.sessions.other': '세션 {count}개',
    'research.rooms.other': '방 {count}개',
    'research.studiesListed': '연구 {total}개 가운데 최근에 진행한 {count}개를 보여 줍니다.',
    'research.format': '파일 형식',
    'research.xlsx': '엑셀 통합 문서 (.xlsx)',
    'research.csv': 'CSV (.csv)',
    'research.sheet': '시트 (CSV 파일 하나에 시트 하나)',
    'research.sheet.participants': '참가자, 한 사람에 한 행',
    'research.sheet.rooms': '방',
    'research.sheet.decisions': '개인 선택, 수정 포함',
    'research.sheet.consensus': '모둠 결정',
    'research.sheet.room_events': '방 이벤트',
    'research.sheet.facilitator_actions': '진행자 조치',
    'research.sheet.recording_events': '녹음 기록',
    'research.sheet.connection_quality': '음성 연결 품질',
    'research.sheet.scenarios': '시나리오',
    'research.sheet.ai_interactions': 'AI 진행자 상호작용',
    'research.sheetNamed': '{label} ({sheet})',
    'research.exportButton': '내보내기',
    'research.exportHint': '연구 참여에 동의한 참가자만 내보냅니다. 파일은 다 받은 뒤에 저장됩니다.',
    'research.receiving': '받는 중… 지금까지 {bytes}바이트',
    'research.received': '내보내기 {id} 끝: {bytes}바이트, {file}(으)로 저장했습니다.',
    'research.started': '내보내기를 시작했습니다.',
    'research.ledger': '지난 내보내기',
    'research.ledgerEmpty': '아직 내보낸 적이 없습니다.',
    'research.ledgerCaption': '전체 {total}건 중 최근 {count}건 (최신순), 시트마다 SHA-256',
    'research.ledgerCaptionAll.other': '전체 {total}건 (최신순), 시트마다 SHA-256',
    'research.erasures': '철회와 삭제',
    'research.erasuresHint': '참가자의 행이 삭제된 때입니다. 참가자 스스로 철회했거나 보존 기간 규칙에 따라 삭제되었습니다. 그 전에 내보낸 파일에는 그 행이 남아 있으니, 사본을 지우거나 새로 내보낸 것으로 바꾸세요.',
    'research.erasuresEmpty': '철회되거나 삭제된 것이 없습니다.',
    'research.erasuresCaption': '전체 {total}건 중 최근 {count}건 (최신순). 누구인지는 기록하지 않습니다',
    'research.erasuresCaptionAll.other': '전체 {total}건 (최신순). 누구인지는 기록하지 않습니다',
    'research.col.erasedAt': '언제',
    'research.col.erasureKind': '어떻게',
    'research.col.rowsErased': '삭제된 행',
    'research.col.exportsBefore': '위 목록에서 그 전에 내보낸 것',
    'research.erasure.account': '참가자가 로그인해 철회',
    'research.erasure.withdrawal_code': '철회 코드로 철회',
    'research.erasure.retention': '보존 기간이 지나 삭제',
    'research.erasure.retention_without_consent': '동의하지 않은 사람의 보존 기간이 지나 삭제',
    'research.col.when': '끝난 시각',
    'research.col.by': '요청한 사람',
    'research.col.format': '형식',
    'research.col.filter': '조건',
    'research.col.rows': '행 (참가자 / 방)',
    'research.hashOf.participants': '참가자',
    'research.hashOf.rooms': '방',
    'research.col.identities': '신원',
    'research.ids.pseudonyms': '{study} 가명, 이름 없음',
    'research.ids.pseudonymsNamed': '{study} 가명, 이름 포함',
    'research.ids.named': '사용자 ID와 이름',
    'research.ids.unknown': '기록 없음',
    'research.col.withdrawn': '제외: 동의 철회',
    'research.withdrawnUnknown': '기록 없음',
    'research.noFilter': '전체',
  },
});

/** The roles that may open the page (the API's ResearcherRole policy admits both). */
export const RESEARCH_ROLES = ['researcher', 'admin'];

/**
 * @typedef {{ users: number, guests: number, registered_users: number, users_with_data_consent: number,
 *   rooms: { total: number, waiting: number, started: number, finished: number }, participants: number, participants_left: number,
 *   round_choices: number, consensus_choices: number, recording_events: number, exports: number, counted_at: string,
 *   bots: number, bot_seats: number, bot_round_choices: number }} Counts
 * @typedef {{ export_id: string, started_at: string, completed_at: string, requested_by: string, format: string,
 *   filter_from: string | null, filter_to: string | null, filter_topic: string | null, filter_phase: string | null,
 *   participants_rows: number, rooms_rows: number, participants_sha256: string, rooms_sha256: string,
 *   pseudonymised: boolean | null, pseudonym_study: string | null, names_included: boolean | null, csv_sheet?: string | null,
 *   withdrawn_participants?: number | null, filter_session?: string | null, filter_study?: string | null }} LedgerEntry
 * @typedef {{ id: number, erased_at: string, rows_erased: number, kind: string }} Erasure
 * @typedef {{ from: string, to: string, topic: string, phase: string, study: string, session: string, names: boolean,
 *   format: 'xlsx' | 'csv', sheet: string }} ExportFilter
 * @typedef {{ topic: string, title: string | { ko: string, en: string } }} Topic
 * @typedef {{ study_label: string, sessions: number, rooms: number, finished_rooms: number, first_room_at: string, last_room_at: string }} Study
 */

const LEDGER_PAGE_SIZE = 20;

export class ResearchPage {
  /** @param {() => void} onChange redraws the screen */
  constructor(onChange) {
    this.onChange = onChange;
    /** @type {Counts | null} */
    this.counts = null;
    /** @type {import('./research-figures.js').StudyFigures | null} */
    this.figures = null;
    /** @type {LedgerEntry[]} */
    this.ledger = [];
    this.ledgerTotal = 0;
    /** The studies sessions were given, newest first (GET /research/studies). @type {Study[]} */
    this.studies = [];
    this.studiesTotal = 0;
    /** Whose figures are shown: a study's label, or '' for every room. */
    this.figuresStudy = '';
    /** @type {Erasure[]} */
    this.erasures = [];
    this.erasuresTotal = 0;
    /** The form's values, kept so a redraw does not wipe them. @type {ExportFilter} */
    this.filter = { from: '', to: '', topic: '', phase: '', study: '', session: '', names: false, format: 'xlsx', sheet: 'participants' };
    /** The export's data sheets, as the API names them (the CSV sheet picker's options). @type {string[]} */
    this.sheets = [];
    this.exporting = false;
    /** @type {{ exportId: string, bytes: number, file: string } | null} the last finished export */
    this.finished = null;
  }

  async load() {
    const study = this.figuresStudy;
    const [counts, ledger, sheets, figures, erasures, studies] = await Promise.all([
      call('GET', '/research/experiments/debug/counts'),
      call('GET', `/research/experiments/exports?page=1&page_size=${LEDGER_PAGE_SIZE}`),
      call('GET', '/research/experiments/sheets'),
      this.figuresOfPick(),
      call('GET', `/research/experiments/erasures?page=1&page_size=${LEDGER_PAGE_SIZE}`),
      call('GET', '/research/studies'),
    ]);
    this.studies = studies.items ?? [];
    this.studiesTotal = studies.total ?? this.studies.length;
    this.erasures = erasures.items ?? [];
    this.erasuresTotal = erasures.total ?? this.erasures.length;
    this.counts = counts;
    // A study picked while this read was under way (main.js reads the page again every minute) has its own figures: read
    // here too, since a pick made while an action ran (this read, from Refresh) was not read by its own.
    this.figures = study === this.figuresStudy ? figures : await this.figuresOfPick();
    this.sheets = sheets.sheets ?? [];
    this.ledger = ledger.items ?? [];
    this.ledgerTotal = ledger.total ?? this.ledger.length;
    this.onChange();
  }

  /**
   * Shows the figures of the study picked last, once read: a later pick while they are read has its own read.
   * @param {string} study a study's label, or '' for every room
   */
  pickFigures(study) {
    // Held before the action runs, not in it: the action's start draws the page busy, and that redraw put the radio
    // back on the study shown, which a click could then not pick (Playwright saw "did not change its state").
    this.figuresStudy = study;
    return async () => {
      const figures = await this.figuresOfPick();
      if (study === this.figuresStudy) {
        this.figures = figures;
        this.onChange();
      }
    };
  }

  /** The figures of the study picked now, or of every room. */
  figuresOfPick() {
    return call('GET', this.figuresStudy ? `/research/statistics?study=${encodeURIComponent(this.figuresStudy)}` : '/research/statistics');
  }

  /**
   * Streams the export: the bytes are counted as they arrive (the size is not known before the end), then the
   * file is handed to the browser to save, and the ledger is read again to show the new entry.
   */
  async export() {
    this.exporting = true;
    this.finished = null;
    this.onChange();
    try {
      const response = await this.request();
      const exportId = response.headers.get('X-Export-Id') ?? '';
      const file = fileName(response.headers.get('Content-Disposition')) ?? `dilemma-research.${this.filter.format}`;
      const reader = /** @type {ReadableStream<Uint8Array<ArrayBuffer>>} */ (response.body).getReader();
      /** @type {Uint8Array<ArrayBuffer>[]} */
      const parts = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        parts.push(value);
        bytes += value.byteLength;
        showBytes(bytes);
      }
      saveFile(new Blob(parts, { type: response.headers.get('Content-Type') ?? 'application/octet-stream' }), file);
      this.finished = { exportId, bytes, file };
    } finally {
      this.exporting = false;
    }
    await this.load();
  }

  /** @returns {Promise<Response>} the export's response, once its headers are in; a refused export throws ApiError */
  async request() {
    const query = new URLSearchParams({ format: this.filter.format });
    if (this.filter.format === 'csv') {
      query.set('sheet', this.filter.sheet);
    }
    for (const key of /** @type {const} */ (['from', 'to', 'topic', 'phase', 'study', 'session'])) {
      const value = this.filter[key].trim();
      if (value) {
        query.set(key, value);
      }
    }
    if (this.filter.names) {
      query.set('include_nicknames', 'true');
    }
    const response = await fetchAuthorized(`/research/experiments/export/excel?${query}`);
    if (!response.body) {
      throw new ApiError(response.status, `http_${response.status}`, '');
    }
    return response;
  }

  /**
   * @param {Topic[]} topics
   * @param {boolean} busy
   * @param {import('../api.js').Run} run runs an action with the page's error handling
   * @param {() => void} back
   * @returns {HTMLElement[]}
   */
  view(topics, busy, run, back) {
    return [
      h('h2', { id: 'screen-title', tabindex: -1 }, t('research.title')),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', id: 'research-back', disabled: busy, onclick: back }, t('research.back')),
        // The counts, figures and ledgers are read when the page opens and every minute in sight (main.js); a press reads them now.
        h('button', { type: 'button', class: 'secondary', id: 'research-refresh', disabled: busy || this.exporting, onclick: () => run(() => this.load()) }, t('research.refresh'))),
      this.countsSection(),
      ...(this.figures ? [figuresSection(this.figures, topics, this.studyPicker(run))] : []),
      this.exportSection(topics, busy, run),
      this.ledgerSection(),
      this.erasuresSection(),
    ];
  }

  /**
   * Every room, or one study's: the studies sessions were given, newest first, each with what its sessions opened. Not
   * disabled while the figures load, so that the focus stays on it for the next arrow key.
   * @param {(action: () => Promise<void>) => void} run
   */
  studyPicker(run) {
    if (this.studies.length === 0) {
      return null;
    }
    const items = [{ value: '', label: t('research.everyRoom') }, ...this.studies.map((study) => ({
      value: study.study_label,
      label: t('research.studyOption', {
        study: study.study_label,
        sessions: counted('research.sessions', study.sessions, { count: number(study.sessions) }),
        rooms: counted('research.rooms', study.rooms, { count: number(study.rooms) }),
      }),
    }))];
    // Radios, not a select: a study's label (up to 64 letters) with its counts was cut off on a phone.
    return h('div', {},
      radioGroup({
        id: 'figures-study',
        legend: t('research.figuresOf'),
        name: 'figures_study',
        items,
        checked: this.figuresStudy,
        onchange: (/** @type {Event} */ event) => run(this.pickFigures(/** @type {HTMLInputElement} */ (event.currentTarget).value)),
      }),
      this.studiesTotal > this.studies.length
        ? h('p', { class: 'hint' }, t('research.studiesListed', { count: number(this.studies.length), total: number(this.studiesTotal) }))
        : null);
  }

  countsSection() {
    const c = this.counts;
    /** @type {[string, string, string][]} */
    const items = c
      ? [
        ['users', t('research.count.users'), number(c.users)],
        ['guests', t('research.count.guests'), number(c.guests)],
        ['consenting', t('research.count.consenting'), number(c.users_with_data_consent)],
        ['rooms', t('research.count.rooms'), `${number(c.rooms.total)} (${number(c.rooms.waiting)} / ${number(c.rooms.started)} / ${number(c.rooms.finished)})`],
        ['participants', t('research.count.participants'), number(c.participants)],
        ['bots', t('research.count.bots'), `${number(c.bots)} / ${number(c.bot_seats)} / ${number(c.bot_round_choices)}`],
        ['choices', t('research.count.choices'), number(c.round_choices)],
        ['consensus', t('research.count.consensus'), number(c.consensus_choices)],
        ['recording', t('research.count.recording'), number(c.recording_events)],
        ['exports', t('research.count.exports'), number(c.exports)],
      ]
      : [];
    return h('section', { class: 'card', 'aria-labelledby': 'counts-title', id: 'research-counts' },
      h('h3', { id: 'counts-title' }, t('research.counts')),
      h('dl', { class: 'counts' }, items.map(([key, label, value]) => h('div', { 'data-count': key }, h('dt', {}, label), h('dd', {}, value)))),
      c ? h('p', { class: 'hint' }, t('research.countedAt', { at: when(c.counted_at) })) : null);
  }

  /**
   * @param {Topic[]} topics
   * @param {boolean} busy
   * @param {import('../api.js').Run} run
   */
  exportSection(topics, busy, run) {
    const filter = this.filter;
    /** @param {'from' | 'to' | 'topic' | 'phase' | 'study' | 'session'} key */
    const keep = (key) => (/** @type {Event} */ event) => {
      filter[key] = /** @type {HTMLInputElement} */ (event.currentTarget).value;
    };
    const lastIdentities = this.lastIdentities();
    const status = this.exporting
      ? t('research.started')
      : this.finished ? t('research.received', { id: this.finished.exportId, bytes: number(this.finished.bytes), file: this.finished.file }) : '';
    return h('form', {
      class: 'card',
      id: 'export-form',
      'aria-labelledby': 'export-title',
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        // A filter the server refuses (400 or 422 invalid_filter) names its field, and the inputs are named as the query's.
        run(() => this.export(), /** @type {HTMLFormElement} */ (event.currentTarget));
      },
    },
    h('h3', { id: 'export-title' }, t('research.export')),
    h('p', { class: 'hint' }, t('research.exportHint')),
    h('div', { class: 'grid' },
      h('div', {},
        h('label', { for: 'export-from' }, t('research.from')),
        h('input', { type: 'date', id: 'export-from', name: 'from', value: filter.from, onchange: keep('from') })),
      h('div', {},
        h('label', { for: 'export-to' }, t('research.to')),
        h('input', { type: 'date', id: 'export-to', name: 'to', value: filter.to, onchange: keep('to') })),
      h('div', {},
        // Radios, not a select: a topic's title was cut off on a phone.
        radioGroup({
          id: 'export-topic',
          legend: t('research.topic'),
          name: 'topic',
          items: [{ value: '', label: t('research.anyTopic') }, ...topics.map((topic) => ({ value: topic.topic, label: pick(topic.title) || topic.topic }))],
          checked: filter.topic,
          onchange: keep('topic'),
        })),
      h('div', {},
        h('label', { for: 'export-phase' }, t('research.phase')),
        h('select', { id: 'export-phase', name: 'phase', onchange: keep('phase') },
          h('option', { value: '' }, t('research.anyPhase')),
          ['waiting', 'started', 'finished'].map((phase) => h('option', { value: phase, selected: filter.phase === phase }, t(`research.phase.${phase}`))))),
      h('div', {},
        h('label', { for: 'export-study' }, t('research.study')),
        h('input', { type: 'text', id: 'export-study', name: 'study', list: 'known-studies', maxlength: 64, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'export-study-hint', value: filter.study, oninput: keep('study') }),
        h('datalist', { id: 'known-studies' }, this.studies.map((study) => h('option', { value: study.study_label })))),
      h('div', {},
        h('label', { for: 'export-session' }, t('research.session')),
        h('input', { type: 'text', id: 'export-session', name: 'session', pattern: '[23456789A-HJ-NP-Za-hj-np-z]{10}', maxlength: 10, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', value: filter.session, oninput: keep('session') }))),
    h('p', { class: 'hint', id: 'export-study-hint' }, t('research.studyHint')),
    h('label', { class: 'inline', for: 'export-names' },
      h('input', {
        type: 'checkbox',
        id: 'export-names',
        name: 'include_nicknames',
        'aria-describedby': lastIdentities ? 'export-names-hint export-names-last' : 'export-names-hint',
        checked: filter.names,
        onchange: (/** @type {Event} */ event) => {
          filter.names = /** @type {HTMLInputElement} */ (event.currentTarget).checked;
        },
      }),
      t('research.names')),
    h('p', { class: 'hint', id: 'export-names-hint' }, t('research.namesHint')),
    lastIdentities,
    h('fieldset', {},
      h('legend', {}, t('research.format')),
      ['xlsx', 'csv'].map((format) => h('label', { class: 'inline', for: `export-format-${format}` },
        h('input', {
          type: 'radio',
          id: `export-format-${format}`,
          name: 'format',
          value: format,
          checked: filter.format === format,
          onchange: () => {
            filter.format = format === 'csv' ? 'csv' : 'xlsx';
            this.onChange();
          },
        }),
        t(`research.${format}`)))),
    filter.format === 'csv' && this.sheets.length > 0
      ? h('div', {},
        h('label', { for: 'export-sheet' }, t('research.sheet')),
        h('select', {
          id: 'export-sheet',
          name: 'sheet',
          onchange: (/** @type {Event} */ event) => {
            filter.sheet = /** @type {HTMLSelectElement} */ (event.currentTarget).value;
          },
        }, this.sheets.map((sheet) => h('option', { value: sheet, selected: filter.sheet === sheet }, sheetText(sheet)))))
      : null,
    h('button', { type: 'submit', id: 'export-submit', disabled: busy || this.exporting }, t('research.exportButton')),
    // The byte count changes many times a second: it is not a live region; the status line says when it starts and ends.
    h('p', { id: 'export-bytes', hidden: !this.exporting }, t('research.receiving', { bytes: 0 })),
    h('p', { id: 'export-status', role: 'status', 'data-export-id': this.finished?.exportId }, status));
  }

  /**
   * Whom the latest export could name, as its ledger entry records it. The page cannot ask the server whether it
   * pseudonymises, and the box read as if an unticked one always left names out: on a server that does not, the ledger
   * then said "User ids and names". The latest entry is the best word on what this export will hold.
   */
  lastIdentities() {
    const latest = this.ledger[0];
    const word = latest ? identitiesWord(latest) : 'unknown';
    if (!latest || word === 'unknown') {
      return null;
    }
    return h('p', { class: word === 'named' ? 'notice warn' : 'hint', id: 'export-names-last', 'data-identities': word },
      t(`research.namesLast.${word}`, { at: when(latest.completed_at), study: latest.pseudonym_study ?? '' }));
  }

  ledgerSection() {
    return h('section', { class: 'card', 'aria-labelledby': 'ledger-title', id: 'ledger' },
      h('h3', { id: 'ledger-title' }, t('research.ledger')),
      this.ledger.length === 0
        ? h('p', { class: 'muted', id: 'ledger-empty' }, t('research.ledgerEmpty'))
        // Named by its caption: named by the section's heading, it was a second region of the section's name.
        : h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'ledger-caption' },
          h('table', { id: 'ledger-table' },
            h('caption', { id: 'ledger-caption' }, listCaption('research.ledgerCaption', this.ledger.length, this.ledgerTotal)),
            h('thead', {}, h('tr', {},
              ledgerColumns.map((column) => h('th', { scope: 'col' }, t(`research.col.${column}`))))),
            // One group per export: its facts on one row, its hashes on a row of their own below, whole and at full width, so
            // the table fits the page and a hash reads (and copies) as one line rather than five slivers of a narrow column.
            this.ledger.map((entry) => h('tbody', { 'data-export-id': entry.export_id },
              h('tr', {},
                h('th', { scope: 'row' }, when(entry.completed_at)),
                h('td', {}, entry.requested_by),
                // A csv is one sheet; its sheets and hashes are of what it read, so which sheet left is said here.
                h('td', {}, entry.csv_sheet ? `${entry.format}: ${sheetText(entry.csv_sheet)}` : entry.format),
                h('td', {}, filterText(entry)),
                h('td', { 'data-identities': identitiesWord(entry) }, identitiesText(entry)),
                h('td', {}, `${number(entry.participants_rows)} / ${number(entry.rooms_rows)}`),
                // Seats of users who withdrew consent after giving it: an export taken before such a withdrawal still holds
                // their rows, so comparing the counts is how a researcher finds the copies to delete. Older entries did not count.
                h('td', { 'data-column': 'withdrawn' }, entry.withdrawn_participants == null ? t('research.withdrawnUnknown') : number(entry.withdrawn_participants))),
              h('tr', {},
                h('th', { scope: 'row' }, 'SHA-256'),
                h('td', { colspan: ledgerColumns.length - 1 },
                  h('div', {}, `${t('research.hashOf.participants')}: `, h('code', { class: 'hash', 'data-hash': 'participants' }, entry.participants_sha256)),
                  h('div', {}, `${t('research.hashOf.rooms')}: `, h('code', { class: 'hash', 'data-hash': 'rooms' }, entry.rooms_sha256)))))))));
  }

  /** The erasure ledger (GET /research/experiments/erasures): what a researcher must carry over to the copies they hold. */
  erasuresSection() {
    /** @param {Erasure} erasure the exports listed here that were taken before it, and so still hold its rows */
    const exportsBefore = (erasure) => this.ledger.filter((entry) => Date.parse(entry.completed_at) < Date.parse(erasure.erased_at)).length;
    return h('section', { class: 'card', 'aria-labelledby': 'erasures-title', id: 'erasures' },
      h('h3', { id: 'erasures-title' }, t('research.erasures')),
      h('p', { class: 'hint' }, t('research.erasuresHint')),
      this.erasures.length === 0
        ? h('p', { class: 'muted', id: 'erasures-empty' }, t('research.erasuresEmpty'))
        : h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'erasures-caption' },
          h('table', { id: 'erasures-table' },
            h('caption', { id: 'erasures-caption' }, listCaption('research.erasuresCaption', this.erasures.length, this.erasuresTotal)),
            h('thead', {}, h('tr', {},
              ['erasedAt', 'erasureKind', 'rowsErased', 'exportsBefore'].map((column) => h('th', { scope: 'col' }, t(`research.col.${column}`))))),
            h('tbody', {}, this.erasures.map((erasure) => h('tr', { 'data-erasure-id': erasure.id, 'data-kind': erasure.kind },
              h('th', { scope: 'row' }, when(erasure.erased_at)),
              h('td', {}, has(`research.erasure.${erasure.kind}`) ? t(`research.erasure.${erasure.kind}`) : erasure.kind),
              h('td', {}, number(erasure.rows_erased)),
              h('td', { 'data-column': 'exports-before' }, number(exportsBefore(erasure)))))))));
  }
}

/** The ledger's columns on each export's first row; its hashes have a row of their own. */
const ledgerColumns = ['when', 'by', 'format', 'filter', 'identities', 'rows', 'withdrawn'];

/**
 * Whom an export could name, as its ledger entry records it (null on entries recorded before the ledger kept it).
 * @param {LedgerEntry} entry
 * @returns {'pseudonyms' | 'pseudonymsNamed' | 'named' | 'unknown'}
 */
function identitiesWord(entry) {
  if (entry.pseudonymised == null) {
    return 'unknown';
  }
  if (!entry.pseudonymised) {
    return 'named';
  }
  return entry.names_included ? 'pseudonymsNamed' : 'pseudonyms';
}

/** @param {LedgerEntry} entry */
function identitiesText(entry) {
  return t(`research.ids.${identitiesWord(entry)}`, { study: entry.pseudonym_study ?? '' });
}

/**
 * A data sheet in words, with the name it has in the workbook and the file (decisions), which the codebook uses; a sheet
 * this page has no words for yet is shown by that name alone.
 * @param {string} sheet
 */
function sheetText(sheet) {
  return has(`research.sheet.${sheet}`) ? t('research.sheetNamed', { label: t(`research.sheet.${sheet}`), sheet }) : sheet;
}

/**
 * A ledger's caption: the latest of how many, or all of them when they are all listed ("The 1 latest of 1 exports").
 * @param {string} key @param {number} count the entries listed @param {number} total the entries there are
 */
function listCaption(key, count, total) {
  return count >= total
    ? counted(`${key}All`, total, { total: number(total) })
    : t(key, { count: number(count), total: number(total) });
}

/** @param {number} bytes the count so far, written into its line only (redrawing the page would wipe the form) */
function showBytes(bytes) {
  const line = document.getElementById('export-bytes');
  if (line) {
    line.textContent = t('research.receiving', { bytes: number(bytes) });
  }
}

/** @param {string | null} disposition e.g. attachment; filename="dilemma-research-….xlsx" */
function fileName(disposition) {
  return disposition?.match(/filename="([^"]+)"/)?.[1] ?? null;
}

/** @param {LedgerEntry} entry */
function filterText(entry) {
  const parts = [
    entry.filter_from || entry.filter_to ? `${entry.filter_from ? when(entry.filter_from) : '…'} – ${entry.filter_to ? when(entry.filter_to) : '…'}` : null,
    entry.filter_topic,
    entry.filter_phase ? t(`research.phase.${entry.filter_phase}`) : null,
    entry.filter_study ? t('research.filter.study', { study: entry.filter_study }) : null,
    entry.filter_session ? t('research.filter.session', { session: entry.filter_session }) : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : t('research.noFilter');
}
