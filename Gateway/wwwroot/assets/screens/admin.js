// The admin page (admin role): find an account by its username, see and replace its roles (facilitator, researcher,
// admin), and read who changed them and when. It only speaks /admin/users (Gateway/Admin); the user grain decides what
// may change (a guest holds no role, an admin cannot take their own admin role away).

import { call } from '../api.js';
import { h } from '../dom.js';
import { addStrings, t, when } from '../i18n.js';

addStrings({
  en: {
    'admin.open': 'Accounts and roles',
    'admin.title': 'Accounts and roles',
    'admin.back': 'Back to the lobby',
    'admin.find': 'Find an account',
    'admin.findHint': 'Teachers and researchers first create an account on the sign-in page; then find it here by its username.',
    'admin.username': 'Username',
    'admin.findButton': 'Find',
    'admin.account': '{username} (user {id})',
    'admin.roles': 'Roles',
    'admin.role.facilitator': 'Facilitator: runs class sessions from the console',
    'admin.role.researcher': 'Researcher: sees the research data and exports it',
    'admin.role.admin': 'Admin: gives and takes away roles',
    'admin.save': 'Save roles',
    'admin.saved': 'Saved. The change reaches them at their next sign-in, or within 15 minutes.',
    'admin.audit': 'Changes to these roles',
    'admin.auditEmpty': 'No change yet.',
    'admin.auditCaption': 'Every grant and revocation, newest first',
    'admin.col.when': 'When',
    'admin.col.role': 'Role',
    'admin.col.change': 'Change',
    'admin.col.by': 'By',
    'admin.change.granted': 'given',
    'admin.change.revoked': 'taken away',
    'admin.name.facilitator': 'Facilitator',
    'admin.name.researcher': 'Researcher',
    'admin.name.admin': 'Admin',
    'error.user_not_found': 'No account has that username. Guests have none: the person creates an account first.',
    'error.guest_cannot_hold_roles': 'A guest cannot hold a role: the person creates an account first.',
    'error.cannot_revoke_own_admin': 'You cannot take away your own admin role; another admin can.',
    'error.unknown_role': 'That role does not exist.',
  },
  ko: {
    'admin.open': '계정과 권한',
    'admin.title': '계정과 권한',
    'admin.back': '로비로 돌아가기',
    'admin.find': '계정 찾기',
    'admin.findHint': '교사와 연구자는 먼저 로그인 화면에서 계정을 만듭니다. 그다음 여기서 아이디로 찾으세요.',
    'admin.username': '아이디',
    'admin.findButton': '찾기',
    'admin.account': '{username} (사용자 {id})',
    'admin.roles': '권한',
    'admin.role.facilitator': '진행자: 콘솔에서 수업 세션을 운영합니다',
    'admin.role.researcher': '연구자: 연구 데이터를 보고 내보냅니다',
    'admin.role.admin': '관리자: 권한을 주고 거둡니다',
    'admin.save': '권한 저장',
    'admin.saved': '저장했습니다. 그 사람이 다음에 로그인할 때, 늦어도 15분 안에 적용됩니다.',
    'admin.audit': '이 계정의 권한 변경 기록',
    'admin.auditEmpty': '아직 변경이 없습니다.',
    'admin.auditCaption': '모든 부여와 회수, 최근 것부터',
    'admin.col.when': '시각',
    'admin.col.role': '권한',
    'admin.col.change': '변경',
    'admin.col.by': '변경한 사람',
    'admin.change.granted': '부여',
    'admin.change.revoked': '회수',
    'admin.name.facilitator': '진행자',
    'admin.name.researcher': '연구자',
    'admin.name.admin': '관리자',
    'error.user_not_found': '그 아이디의 계정이 없습니다. 게스트에게는 아이디가 없으니 먼저 계정을 만들어야 합니다.',
    'error.guest_cannot_hold_roles': '게스트는 권한을 가질 수 없습니다. 먼저 계정을 만들어야 합니다.',
    'error.cannot_revoke_own_admin': '자신의 관리자 권한은 거둘 수 없습니다. 다른 관리자가 할 수 있습니다.',
    'error.unknown_role': '없는 권한입니다.',
  },
});

/** The roles that may open the page (the /admin endpoints admit admins only). */
export const ADMIN_ROLES = ['admin'];

/** Every role an account may hold, in the order the page lists them. */
const ROLES = ['facilitator', 'researcher', 'admin'];

// The account found, by username, so that a reload finds it again.
const FOUND_KEY = 'dilemma.admin_found';

/**
 * @typedef {{ user_id: number, username: string, roles: string[] }} UserRoles
 * @typedef {{ role: string, change: string, changed_by_user_id: number | null, changed_by: string, changed_at: string }} RoleChange
 */

export class AdminPage {
  /** @param {() => void} onChange redraws the screen */
  constructor(onChange) {
    this.onChange = onChange;
    /** What is typed, kept so that a redraw does not wipe it. */
    this.username = '';
    /** @type {UserRoles | null} the account found */
    this.user = null;
    /** @type {Set<string>} the roles ticked, not yet saved */
    this.draft = new Set();
    /** @type {RoleChange[]} */
    this.audit = [];
    this.saved = false;
  }

  /** Leaves the page: nothing found is kept. */
  leave() {
    sessionStorage.removeItem(FOUND_KEY);
    this.username = '';
    this.user = null;
    this.draft.clear();
    this.audit = [];
    this.saved = false;
  }

  /** @param {string} username */
  async find(username) {
    // A search that finds nobody must not leave the last account on screen, where a save would change it.
    this.user = null;
    this.saved = false;
    this.onChange();
    const user = /** @type {UserRoles} */ (await call('GET', `/admin/users?username=${encodeURIComponent(username)}`));
    this.audit = (await call('GET', `/admin/users/${user.user_id}/roles/audit`)).items ?? [];
    this.user = user;
    this.draft = new Set(user.roles);
    sessionStorage.setItem(FOUND_KEY, user.username);
    this.onChange();
  }

  /** After a reload: the account that was on the page is found again, with its roles as they are now. */
  async resume() {
    const username = sessionStorage.getItem(FOUND_KEY);
    if (username) {
      this.username = username;
      await this.find(username);
    }
  }

  /** Replaces the account's roles with the ticked ones and reads the audit again to show the change. */
  async save() {
    const user = this.user;
    if (!user) {
      return;
    }
    this.saved = false;
    const saved = /** @type {UserRoles} */ (await call('PUT', `/admin/users/${user.user_id}/roles`, { roles: ROLES.filter((role) => this.draft.has(role)) }));
    this.audit = (await call('GET', `/admin/users/${user.user_id}/roles/audit`)).items ?? [];
    this.user = saved;
    this.draft = new Set(saved.roles);
    this.saved = true;
    this.onChange();
  }

  /**
   * @param {boolean} busy
   * @param {import('../api.js').Run} run runs an action with the app's error handling
   * @param {() => void} back
   * @returns {HTMLElement[]}
   */
  view(busy, run, back) {
    return [
      h('h2', { id: 'screen-title', tabindex: -1 }, t('admin.title')),
      h('button', { type: 'button', class: 'secondary', id: 'admin-back', disabled: busy, onclick: back }, t('admin.back')),
      h('form', {
        class: 'card',
        id: 'admin-find-form',
        'aria-labelledby': 'admin-find-title',
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          const username = this.username.trim();
          run(() => this.find(username), /** @type {HTMLFormElement} */ (event.currentTarget));
        },
      },
      h('h3', { id: 'admin-find-title' }, t('admin.find')),
      h('p', { class: 'hint', id: 'admin-find-hint' }, t('admin.findHint')),
      h('label', { for: 'admin-username' }, t('admin.username')),
      h('input', {
        type: 'text', id: 'admin-username', name: 'username', maxlength: 32, required: true, autocomplete: 'off', 'aria-describedby': 'admin-find-hint',
        value: this.username, oninput: (/** @type {Event} */ event) => { this.username = /** @type {HTMLInputElement} */ (event.currentTarget).value; },
      }),
      h('button', { type: 'submit', id: 'admin-find-submit', disabled: busy }, t('admin.findButton'))),
      ...(this.user ? this.accountSections(this.user, busy, run) : []),
    ];
  }

  /** @param {UserRoles} user @param {boolean} busy @param {import('../api.js').Run} run */
  accountSections(user, busy, run) {
    return [
      h('form', {
        class: 'card',
        id: 'admin-roles-form',
        'aria-labelledby': 'admin-account-title',
        'data-user-id': user.user_id,
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          // The roles are several boxes of one name, so a refusal naming roles (unknown_role) is said by the alert alone.
          run(() => this.save(), /** @type {HTMLFormElement} */ (event.currentTarget));
        },
      },
      h('h3', { id: 'admin-account-title' }, t('admin.account', { username: user.username, id: String(user.user_id) })),
      h('fieldset', {},
        h('legend', {}, t('admin.roles')),
        ROLES.map((role) => h('label', { class: 'inline', for: `admin-role-${role}` },
          h('input', {
            type: 'checkbox', id: `admin-role-${role}`, name: 'roles', value: role, checked: this.draft.has(role),
            onchange: (/** @type {Event} */ event) => {
              if (/** @type {HTMLInputElement} */ (event.currentTarget).checked) {
                this.draft.add(role);
              } else {
                this.draft.delete(role);
              }
              this.saved = false;
            },
          }),
          h('span', {}, t(`admin.role.${role}`))))),
      h('button', { type: 'submit', id: 'admin-roles-save', disabled: busy }, t('admin.save')),
      h('p', { id: 'admin-roles-status', role: 'status' }, this.saved ? t('admin.saved') : '')),
      h('section', { class: 'card', id: 'admin-audit', 'aria-labelledby': 'admin-audit-title' },
        h('h3', { id: 'admin-audit-title' }, t('admin.audit')),
        this.audit.length === 0
          ? h('p', { class: 'muted' }, t('admin.auditEmpty'))
          // Named by its caption: named by the section's heading, it was a second region of the section's name.
          : h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'admin-audit-caption' },
            h('table', { id: 'admin-audit-table' },
              h('caption', { id: 'admin-audit-caption' }, t('admin.auditCaption')),
              h('thead', {}, h('tr', {}, ['when', 'role', 'change', 'by'].map((column) => h('th', { scope: 'col' }, t(`admin.col.${column}`))))),
              h('tbody', {}, this.audit.map((change) => h('tr', { 'data-role': change.role, 'data-change': change.change },
                h('td', {}, when(change.changed_at)),
                h('td', {}, t(`admin.name.${change.role}`)),
                h('td', {}, t(`admin.change.${change.change}`)),
                h('td', {}, change.changed_by))))))),
    ];
  }
}
