// Who is signed in and what the policy lets them do (GET /api/v1/auth/me). The UI only
// reflects the policy: it shows or hides what `can(action)` says; the server decides.

import { t } from './i18n.js';

export const ROLE_LABELS = {
  admin: 'Administrator',
  hq_commander: 'HQ commander',
  regional_coordinator: 'Regional coordinator',
  agency_liaison: 'Agency liaison',
  unit_commander: 'Unit commander',
  personnel_officer: 'Personnel officer',
  field_reporter: 'Field reporter',
  analyst: 'Analyst / legal officer',
  auditor: 'Auditor',
};

export const session = {
  user: null,
  actions: new Set(),

  set(me) {
    this.user = me.user;
    this.actions = new Set(me.actions);
  },

  clear() {
    this.user = null;
    this.actions = new Set();
  },

  /** Whether the role allows `action` (e.g. "incident.write") somewhere in its scope. */
  can(action) {
    return this.actions.has(action);
  },

  get roleLabel() {
    return this.user ? t(`role.${this.user.role}`, ROLE_LABELS[this.user.role] ?? this.user.role) : '';
  },
};
