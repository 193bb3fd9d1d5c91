// page-users.js - "Users", the B/D administrator's page (CPS §3.1.1.3): add users of the
// own B/D, give each one CMMP duty — Requester or Business Manager, never both
// (§2.1.3 c, App. E II; one choice in the UI, and the database refuses both anyway) —
// and unlock an account locked after failed logins.

import { get, post } from './api.js';
import { h, field, radios, formMessage, checkForm, showError, formValues, notice, table } from './dom.js';
import { t } from './i18n.js';

const DUTIES = ['none', 'requester', 'business_manager'];
const mode = { message: null };

function rolesOf(duty, admin) {
  const roles = [];
  if (duty && duty !== 'none') roles.push(duty);
  if (admin) roles.push('bd_admin');
  return roles;
}

function dutyOf(roles) {
  return DUTIES.find((d) => roles.includes(d)) || 'none';
}

function addForm(ctx) {
  const form = h('form', { class: 'card', 'data-key': 'add-user', id: 'add-user-form', novalidate: true },
    h('h2', {}, t('users.add_heading')),
    field({ name: 'username', label: t('users.username'), required: true, attrs: { autocomplete: 'off', maxlength: 64 } }),
    field({ name: 'name', label: t('users.name'), required: true, attrs: { maxlength: 128 } }),
    field({ name: 'email', label: t('users.email'), type: 'email', required: true, attrs: { autocomplete: 'off' } }),
    field({ name: 'password', label: t('users.password'), type: 'password', required: true, attrs: { autocomplete: 'new-password', minlength: 8, maxlength: 256 } }),
    radios({
      name: 'duty', label: t('users.duty'), value: 'requester', hint: t('users.duty_note'), api: ['roles', 'duty'],
      options: DUTIES.map((d) => [d, t(`role.${d}`)]),
    }),
    field({ name: 'bd_admin', label: t('users.admin'), type: 'checkbox' }),
    formMessage(),
    h('button', { type: 'submit' }, t('users.add')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    const body = { username: v.username, name: v.name, password: form.elements.password.value, roles: rolesOf(v.duty, v.bd_admin) };
    if (v.email) body.email = v.email;
    try {
      const u = await post('/api/users', body);
      mode.message = t('users.added', { username: u.username || v.username });
      form.reset();
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function rolesForm(u, ctx) {
  const form = h('form', { class: 'inline', 'data-key': `roles-${u.id}` },
    field({
      name: 'duty', label: t('users.duty_of', { username: u.username }), type: 'select', value: dutyOf(u.roles),
      options: DUTIES.map((d) => [d, t(`role.${d}`)]), api: ['roles', 'duty'],
    }),
    field({
      name: 'bd_admin', label: t('role.bd_admin'), type: 'checkbox', value: u.roles.includes('bd_admin'),
      attrs: { 'aria-label': `${t('role.bd_admin')} (${u.username})` },
    }),
    formMessage(),
    h('button', { type: 'submit', class: 'secondary', 'data-action': 'set-roles' }, t('users.set_roles')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      await post(`/api/users/${u.id}/roles`, { roles: rolesOf(v.duty, v.bd_admin) });
      mode.message = t('users.roles_saved', { username: u.username });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function unlockButton(u, ctx) {
  const form = h('form', { class: 'inline', 'data-key': `unlock-${u.id}` },
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'unlock', 'aria-label': `${t('users.unlock')} ${u.username}` }, t('users.unlock')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post(`/api/users/${u.id}/unlock`);
      mode.message = t('users.unlocked', { username: u.username });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('users.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  let users = [];
  try {
    users = await get('/api/users');
  } catch (err) {
    main.append(h('p', { class: 'notice notice-error', role: 'alert' }, err.message));
  }
  main.append(table(t('users.heading'),
    [t('users.col_username'), t('users.col_name'), t('users.email'), t('users.col_roles'), t('users.col_locked'), t('common.actions')],
    users.map((u) => ({
      attrs: { 'data-user': u.username },
      cells: [u.username, u.name || '', u.email || '', u.roles.map((r) => t(`role.${r}`)).join(', '),
        u.locked ? h('strong', { class: 'flag-locked' }, t('common.yes')) : t('common.no'),
        h('div', { class: 'row-actions' }, rolesForm(u, ctx), u.locked ? unlockButton(u, ctx) : null)],
    })), { id: 'users' }));
  main.append(addForm(ctx));
}
