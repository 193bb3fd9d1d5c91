// page-custody.js - "Key custody" (CPS App. E II): a B/D administrator or Business
// Manager asks for a subscriber's key, two other officers of the B/D approve, and the one
// who asked exports it as a PKCS#12 encrypted under a passphrase. The API has no list of
// key requests yet, so requests are named by number.

import { post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues, notice } from './dom.js';
import { t } from './i18n.js';

const mode = { message: null };

function form(key, heading, fields, submit, send, ctx) {
  const f = h('form', { class: 'card', 'data-key': key, id: `${key}-form`, novalidate: true },
    h('h2', {}, heading), ...fields, formMessage(), h('button', { type: 'submit' }, submit));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(f)) return;
    try {
      mode.message = await send(formValues(f), f);
      f.reset();
      await ctx.refresh();
    } catch (err) {
      showError(f, err);
    }
  });
  return f;
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('custody.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  main.append(
    form('key-request', t('custody.request_heading'), [
      field({ name: 'serial', label: t('custody.serial'), required: true, attrs: { pattern: '[0-9a-fA-F]{1,40}', autocomplete: 'off' } }),
      field({ name: 'reason', label: t('custody.reason'), type: 'textarea', required: true }),
    ], t('custody.request'), async (v) => {
      const r = await post('/api/key-requests', { serial: v.serial.toLowerCase(), reason: v.reason });
      return t('custody.requested', { id: r.id });
    }, ctx),
    form('key-approve', t('custody.approve_heading'), [
      field({ name: 'id', label: t('custody.id'), type: 'number', required: true, attrs: { min: 1 } }),
    ], t('custody.approve'), async (v) => {
      await post(`/api/key-requests/${Number(v.id)}/approve`);
      return t('custody.approved', { id: v.id });
    }, ctx),
    form('key-export', t('custody.export_heading'), [
      field({ name: 'id', label: t('custody.id'), type: 'number', required: true, attrs: { min: 1 } }),
      field({ name: 'passphrase', label: t('custody.passphrase'), type: 'password', required: true, attrs: { minlength: 8, autocomplete: 'new-password' } }),
    ], t('custody.export'), async (v, f) => {
      const blob = await post(`/api/key-requests/${Number(v.id)}/export`, { passphrase: f.elements.passphrase.value });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `key-request-${v.id}.p12`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      return t('custody.exported', { id: v.id });
    }, ctx));
}
