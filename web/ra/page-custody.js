// page-custody.js - "Key custody" (CPS App. E II): a B/D administrator or Business
// Manager asks for a subscriber's key, two other officers of the B/D approve (never the
// one who asked), and the one who asked exports it as a PKCS#12 encrypted under a
// passphrase.

import { get, post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues, notice, table } from './dom.js';
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

function askForm(certs, ctx) {
  const active = certs.filter((c) => c.status === 'active');
  const form = h('form', { class: 'card', 'data-key': 'key-request', id: 'key-request-form', novalidate: true },
    h('h2', {}, t('custody.request_heading')),
    field({
      name: 'serial', label: t('custody.serial'), type: 'select', required: true,
      options: [['', '—'], ...active.map((c) => [c.serial, `${c.subject_cn} (${c.serial})`])],
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
  const form = h('form', { class: 'inline', 'data-key': `key-export-${k.id}`, novalidate: true },
    field({
      name: 'passphrase', label: t('custody.passphrase'), type: 'password', required: true,
      attrs: { minlength: 10, autocomplete: 'new-password' },
    }),
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'export' }, t('custody.export')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    try {
      const blob = await post(`/api/key-requests/${k.id}/export`, { passphrase: form.elements.passphrase.value });
      saveBlob(blob, `${k.serial}.p12`);
      form.reset();
      notice(form.closest('main') || form.parentElement, t('custody.exported', { id: k.id }));
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('custody.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  const errors = [];
  const [keys, certs] = await Promise.all([
    get('/api/key-requests').catch((e) => { errors.push(e); return []; }),
    get('/api/certificates').catch((e) => { errors.push(e); return []; }),
  ]);
  for (const e of errors) main.append(h('p', { class: 'notice notice-error', role: 'alert' }, e.message));
  const me = ctx.me.username;
  main.append(h('section', { 'aria-labelledby': 'keys-h' },
    h('h2', { id: 'keys-h' }, t('custody.list_heading')),
    table(t('custody.list_heading'),
      [t('common.id'), t('custody.serial'), t('custody.asked_by'), t('custody.reason'), t('req.col_requested'), t('custody.approvals'), t('common.status'), t('common.actions')],
      keys.map((k) => ({
        attrs: { 'data-key-request': k.id },
        cells: [String(k.id), h('code', {}, k.serial), k.asked_by, k.reason, fmtTime(k.created_at),
          `${k.approvals} / 2`,
          h('span', { 'data-status': k.status }, t(`custody.status.${k.status}`)),
          k.status === 'pending' && k.asked_by !== me ? approveButton(k, ctx)
            : k.status === 'approved' && k.asked_by === me ? exportForm(k, ctx) : ''],
      })), { id: 'key-requests' })));
  main.append(askForm(certs, ctx));
}
