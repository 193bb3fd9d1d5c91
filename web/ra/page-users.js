// page-users.js - "Users", the B/D administrator's page (CPS §3.1.1.3): add users of the
// own B/D, give each one CMMP duty — Requester or Business Manager, never both
// (§2.1.3 c, App. E II; one choice in the UI, and the database refuses both anyway) —
// and unlock an account locked after failed logins.

import { post } from './api.js';
import { h, field, radios, formMessage, checkForm, showError, formValues, notice, confirmDialog } from './dom.js';
import { t } from './i18n.js';
import { listView } from './list.js';

const DUTIES = ['none', 'requester', 'business_manager'];
const mode = { message: null };
const openMore = new Set(); // users whose "Password and access" is open, kept across re-renders

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
    field({ name: 'password', label: t('users.password'), type: 'password', required: true, hint: t('users.password_hint'), attrs: { autocomplete: 'new-password', minlength: 8, maxlength: 256 } }),
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

// A temporary password set by the administrator; the user changes it at the next login.
function resetForm(u, ctx) {
  const form = h('form', { class: 'inline', 'data-key': `reset-${u.id}`, novalidate: true },
    field({
      name: 'password', label: t('users.reset_password_of', { username: u.username }), type: 'password', required: true,
      attrs: { autocomplete: 'new-password', minlength: 8, maxlength: 256 },
    }),
    formMessage(),
    h('button', { type: 'submit', class: 'secondary', 'data-action': 'reset-password' }, t('users.reset_password')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    try {
      await post(`/api/users/${u.id}/password`, { password: form.elements.password.value });
      mode.message = t('users.password_reset', { username: u.username });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function enableButton(u, ctx) {
  const disable = !u.disabled;
  const form = h('form', { class: 'inline', 'data-key': `enable-${u.id}` },
    formMessage(),
    h('button', { type: 'submit', class: disable ? 'danger' : '', 'data-action': disable ? 'disable' : 'enable', 'aria-label': `${t(disable ? 'users.disable' : 'users.enable')} ${u.username}` },
      t(disable ? 'users.disable' : 'users.enable')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (disable) {
      const ok = await confirmDialog({
        title: t('users.disable_confirm_title', { username: u.username }),
        rows: [[t('users.col_name'), u.name], [t('users.email'), u.email], [t('users.col_roles'), u.roles.map((r) => t(`role.${r}`)).join(', ')]],
        text: t('users.disable_note'), confirm: t('users.disable'), danger: true,
      });
      if (!ok) return;
    }
    try {
      await post(`/api/users/${u.id}/${disable ? 'disable' : 'enable'}`);
      mode.message = t(disable ? 'users.disabled_done' : 'users.enabled_done', { username: u.username });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function accountState(u) {
  const flags = [];
  if (u.disabled) flags.push(h('strong', { class: 'flag-locked', 'data-flag': 'disabled' }, t('users.state_disabled')));
  if (u.locked) flags.push(h('strong', { class: 'flag-locked', 'data-flag': 'locked' }, t('users.state_locked')));
  if (u.must_change_password) flags.push(h('span', { 'data-flag': 'must-change' }, t('users.state_must_change')));
  if (!flags.length) flags.push(h('span', { 'data-flag': 'ok' }, t('users.state_ok')));
  return flags.flatMap((f, i) => (i ? [', ', f] : [f]));
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('users.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  main.append(await listView({
    id: 'users', path: '/api/users', caption: t('users.heading'),
    defaultSort: 'username', defaultOrder: 'asc', searchLabel: t('list.search_users'),
    filters: [{ name: 'role', label: t('users.col_roles'), options: ['bd_admin', 'requester', 'business_manager', 'none'].map((r) => [r, t(`role.${r}`)]) }],
    columns: [{ label: t('users.col_username'), sort: 'username' }, { label: t('users.col_name'), sort: 'name' }, { label: t('users.email') },
      { label: t('users.col_roles') }, { label: t('users.col_state') }, { label: t('common.actions') }],
    row: (u) => ({
      attrs: { 'data-user': u.username },
      cells: [u.username, u.name || '', u.email || '', u.roles.map((r) => t(`role.${r}`)).join(', '),
        accountState(u),
        h('div', { class: 'row-actions' }, rolesForm(u, ctx), u.locked ? unlockButton(u, ctx) : null,
          // the rarer, weightier steps folded away, so each row stays one line
          u.id !== ctx.me.id ? h('details', { class: 'more', 'data-more': u.username, open: openMore.has(u.id) },
            h('summary', { 'aria-label': `${t('users.more')}: ${u.username}`, onclick: () => { if (openMore.has(u.id)) openMore.delete(u.id); else openMore.add(u.id); } }, t('users.more')),
            resetForm(u, ctx), enableButton(u, ctx)) : null)],
    }),
  }));
  main.append(addForm(ctx));
}
