// page-custody.js - "Key custody" (CPS App. E II): a B/D administrator or Business
// Manager asks for a subscriber's key, two other officers of the B/D approve (never the
// one who asked), and the one who asked exports it as a PKCS#12 encrypted under a
// passphrase.

import { post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues, notice, confirmDialog } from './dom.js';
import { listView } from './list.js';
import { t, fmtTime } from './i18n.js';

const mode = { message: null };

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function askForm(ctx) {
  const form = h('form', { class: 'card', 'data-key': 'key-request', id: 'key-request-form', novalidate: true },
    h('h2', {}, t('custody.request_heading')),
    field({
      name: 'serial', label: t('custody.serial'), required: true, hint: t('custody.serial_hint'),
      attrs: { maxlength: 40, pattern: '[0-9a-fA-F]{40}', autocomplete: 'off', spellcheck: 'false', 'data-bad-message': t('custody.serial_bad') },
    }),
    field({ name: 'reason', label: t('custody.reason'), type: 'textarea', required: true, attrs: { maxlength: 256 } }),
    formMessage(),
    h('button', { type: 'submit' }, t('custody.request')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    try {
      const r = await post('/api/key-requests', { serial: v.serial, reason: v.reason });
      mode.message = t('custody.requested', { id: r.id });
      form.reset();
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function approveButton(k, ctx) {
  const form = h('form', { class: 'inline', 'data-key': `key-approve-${k.id}` },
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'approve', 'aria-label': `${t('custody.approve')} ${k.id}` }, t('custody.approve')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post(`/api/key-requests/${k.id}/approve`);
      mode.message = t('custody.approved', { id: k.id });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function exportForm(k, ctx) {
  const form = h('form', { class: 'inline export', 'data-key': `key-export-${k.id}`, novalidate: true },
    field({
      name: 'passphrase', label: t('custody.passphrase'), type: 'password', required: true, hint: t('custody.passphrase_hint'),
      attrs: { minlength: 10, maxlength: 256, autocomplete: 'new-password' },
    }),
    field({
      name: 'passphrase2', label: t('custody.passphrase2'), type: 'password', required: true,
      attrs: { minlength: 10, maxlength: 256, autocomplete: 'new-password' },
    }),
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'export' }, t('custody.export')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const pass = form.elements.passphrase.value;
    if (pass !== form.elements.passphrase2.value) {
      showError(form, { message: t('custody.passphrase_mismatch') }, 'passphrase2');
      return;
    }
    const ok = await confirmDialog({
      title: t('custody.export_confirm_title', { id: k.id }),
      rows: [[t('certs.col_subject'), k.subject_cn], [t('custody.serial'), k.serial], [t('custody.asked_by'), k.asked_by], [t('custody.reason'), k.reason]],
      text: t('custody.export_once'), confirm: t('custody.export'),
    });
    if (!ok) return;
    try {
      const blob = await post(`/api/key-requests/${k.id}/export`, { passphrase: pass });
      saveBlob(blob, `${k.serial}.p12`);
      form.reset();
      mode.message = t('custody.exported', { id: k.id });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

const KEY_STATUSES = ['pending', 'approved', 'exported'];

export async function render(main, ctx) {
  main.append(h('h1', {}, t('custody.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  const me = ctx.me.username;
  const list = await listView({
    id: 'key-requests', path: '/api/key-requests', caption: t('custody.list_heading'),
    defaultSort: 'id', defaultOrder: 'desc', searchLabel: t('list.search_keys'),
    filters: [{ name: 'status', label: t('common.status'), options: KEY_STATUSES.map((x) => [x, t(`custody.status.${x}`)]) }],
    columns: [{ label: t('common.id'), sort: 'id' }, { label: t('certs.col_subject') }, { label: t('custody.serial') }, { label: t('custody.asked_by') }, { label: t('custody.reason') },
      { label: t('req.col_requested'), sort: 'created_at' }, { label: t('custody.approvals') }, { label: t('common.status'), sort: 'status' }, { label: t('common.actions') }],
    row: (k) => ({
      attrs: { 'data-key-request': k.id },
      cells: [String(k.id), k.subject_cn || '', h('code', {}, k.serial), k.asked_by, k.reason, fmtTime(k.created_at),
        `${k.approvals} / 2`,
        h('span', { 'data-status': k.status }, t(`custody.status.${k.status}`), k.exported_at ? ` (${fmtTime(k.exported_at)})` : ''),
        k.status === 'pending' && k.asked_by !== me ? approveButton(k, ctx)
          : k.status === 'approved' && k.asked_by === me ? exportForm(k, ctx) : ''],
    }),
  });
  main.append(h('section', { 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, t('custody.list_heading')), list));
  main.append(askForm(ctx));
}
