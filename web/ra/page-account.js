// page-account.js - "My account" for every user (§4.5.1): change the password (forced
// after an initial or reset one: the shell shows only this page until it is done) and
// the notifications the RA sent, searchable, newest first, marked read.

import { post } from './api.js';
import { h, field, formMessage, checkForm, showError, notice } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { listView } from './list.js';

const mode = { message: null };

// "application 7" → "Application 7" / "申請 7"
function about(object) {
  const m = /^(application|revocation|certificate) (\S+)$/.exec(object || '');
  return m ? t(`about.${m[1]}`, { id: m[2] }) : object;
}

function passwordForm(ctx) {
  const form = h('form', { class: 'card narrow', 'data-key': 'password', id: 'password-form', novalidate: true },
    h('h2', {}, t('account.password_heading')),
    ctx.me.must_change_password ? h('p', { class: 'notice notice-warn', 'data-forced': '' }, t('account.must_change')) : null,
    field({ name: 'current_password', label: t('account.current'), type: 'password', required: true, attrs: { autocomplete: 'current-password' } }),
    field({ name: 'new_password', label: t('account.new'), type: 'password', required: true, hint: t('account.new_hint'), attrs: { autocomplete: 'new-password', minlength: 8, maxlength: 256 } }),
    field({ name: 'new_password2', label: t('account.new2'), type: 'password', required: true, attrs: { autocomplete: 'new-password', minlength: 8, maxlength: 256 } }),
    formMessage(),
    h('button', { type: 'submit' }, t('account.change')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const el = form.elements;
    if (el.new_password.value !== el.new_password2.value) {
      showError(form, { message: t('account.mismatch') }, 'new_password2');
      return;
    }
    try {
      await post('/api/me/password', { current_password: el.current_password.value, new_password: el.new_password.value });
      mode.message = t('account.changed');
      form.reset();
      await ctx.passwordChanged();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('account.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  main.append(passwordForm(ctx));
  if (ctx.me.must_change_password) return;
  const markAll = h('button', {
    type: 'button', class: 'secondary', 'data-action': 'mark-read',
    onclick: async () => { await post('/api/notifications/read', {}); mode.message = t('account.all_read'); await ctx.refresh(); },
  }, t('account.mark_read'));
  main.append(h('section', { 'aria-labelledby': 'notes-h' },
    h('h2', { id: 'notes-h' }, t('account.notes_heading')),
    h('div', { class: 'buttons' }, markAll),
    await listView({
      id: 'notifications', path: '/api/notifications', caption: t('account.notes_heading'),
      defaultSort: 'at', defaultOrder: 'desc', searchLabel: t('list.search_notes'),
      filters: [{ name: 'unread', label: t('account.show'), options: [['1', t('account.unread_only')]] }],
      columns: [{ label: t('account.col_at'), sort: 'at', first: 'desc' }, { label: t('account.col_about') }, { label: t('account.col_subject') }, { label: t('account.col_text') }],
      row: (n) => ({
        attrs: { 'data-notification': n.id, class: n.read_at ? null : 'unread' },
        cells: [fmtTime(n.at), about(n.object), n.read_at ? n.subject : h('strong', {}, n.subject), h('pre', { class: 'mail' }, n.body)],
      }),
    })));
}
