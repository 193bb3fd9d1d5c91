// page-requests.js - "My requests", the Requester's page (SPEC §3 steps 1 and 7, §2.2, §4):
// apply for a g-Cert (Individual) or (Functional Unit) for 1 to 3 years with the
// subscriber terms accepted on the applicant's behalf; renew an active certificate (a new
// application, identity verified again, new key pair: CPS §3.2); ask for revocation
// (§4.4.1); follow the status of what was asked.

import { get, post } from './api.js';
import { h, field, radios, formMessage, checkForm, showError, formValues, notice, errorText, confirmDialog, timelineDialog } from './dom.js';
import { listView } from './list.js';
import { t, fmtTime, fmtDate } from './i18n.js';

// what the page is doing beyond its lists: renewing a certificate, or asking for the
// revocation of one; kept across re-renders (language switch)
const mode = { renew: null, revoke: null, correct: null, message: null };

const CATEGORIES = ['Civil Servant', 'Contract Staff', 'Resident Contractor Staff', 'Functional Unit'];
const REASONS = [0, 1, 3, 4, 5];
export const APP_STATUSES = ['pending', 'approved', 'submitted', 'issued', 'rejected', 'failed'];
export const REV_STATUSES = ['pending', 'approved', 'revoked', 'rejected', 'failed'];
export const CERT_STATUSES = ['active', 'revocation_pending', 'revoked', 'expired'];
export const TYPES = ['individual', 'functional_unit']; // App. C I codes a subscriber may give (not 2 CA compromise, 6 hold)

// The member of the application a CA refusal is about: its reason reads
// "GC_E_…: request app-7: subject.name: …".
function refusalField(error) {
  const m = /request [^:]+: ((?:subject\.)?[a-z_]+):/.exec(error || '');
  return m ? m[1] : null;
}

function applyForm(ctx) {
  const c = mode.correct;
  const r = mode.renew;
  const s = (c && c.subject) || (r && r.subject) || {};
  const heading = c ? t('req.correct_heading', { id: c.id }) : r ? t('req.renew_heading', { serial: r.serial }) : t('req.apply_heading');
  const form = h('form', { class: 'card', 'data-key': c ? `correct-${c.id}` : r ? `renew-${r.serial}` : 'apply', id: 'apply-form', novalidate: true },
    h('h2', {}, heading),
    c ? h('p', { class: 'notice notice-error', 'data-refusal': c.id }, t('req.correct_note', { reason: errorText({ message: c.error, code: 'GC_E_REQUEST_FIELD', field: refusalField(c.error) }, { bare: true }).replace(/[.。]$/, '') })) : null,
    r ? h('p', { class: 'hint' }, t('req.renew_note')) : null,
    radios({
      name: 'cert_type', label: t('req.cert_type'), required: true, value: c ? c.cert_type : r ? r.cert_type : 'individual',
      options: [['individual', t('type.individual')], ['functional_unit', t('type.functional_unit')]],
    }),
    field({
      name: 'validity_years', label: t('req.validity'), type: 'select', value: c ? String(c.validity_years) : '1',
      options: [1, 2, 3].map((n) => [String(n), t('req.validity_years', { n })]),
    }),
    field({ name: 'name', label: t('req.subject_name'), required: true, value: s.name, hint: t('req.subject_name_hint'), api: ['subject.name', 'name'], attrs: { maxlength: 64 } }),
    field({ name: 'email', label: t('req.email'), type: 'email', value: s.email, api: ['subject.email', 'email'], attrs: { autocomplete: 'off' } }),
    field({ name: 'branch', label: t('req.branch'), required: true, value: s.branch, api: ['subject.branch', 'branch'] }),
    field({ name: 'branch_abbr', label: t('req.branch_abbr'), required: true, value: s.branch_abbr, api: ['subject.branch_abbr', 'branch_abbr'] }),
    field({ name: 'branch_zh', label: t('req.branch_zh'), required: true, value: s.branch_zh, api: ['subject.branch_zh', 'branch_zh'], attrs: { lang: 'zh-Hant' } }),
    field({ name: 'category', label: t('req.category'), required: true, value: s.category, api: ['subject.category', 'category'], attrs: { list: 'category-list' } }),
    h('datalist', { id: 'category-list' }, CATEGORIES.map((c) => h('option', { value: c }))),
    c && c.renews ? field({ name: 'renews', label: t('req.correct_renews', { serial: c.renews }), type: 'checkbox', value: true, hint: t('req.correct_renews_hint'), api: ['renews'] }) : null,
    field({ name: 'terms_accepted', label: t('req.terms'), type: 'checkbox', required: true, api: ['terms_accepted', 'terms'] }),
    formMessage(),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, r ? t('req.submit_renewal') : t('req.submit')),
      r || c ? h('button', { type: 'button', class: 'secondary', onclick: () => { mode.renew = null; mode.correct = null; ctx.refresh(); } }, t('common.cancel')) : null));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    const subject = { name: v.name };
    for (const k of ['email', 'branch', 'branch_abbr', 'branch_zh', 'category']) if (v[k]) subject[k] = v[k];
    const body = {
      cert_type: v.cert_type, validity_years: Number(v.validity_years),
      terms_accepted: v.terms_accepted, subject, renews: r ? r.serial : c && c.renews && v.renews ? c.renews : null,
    };
    if (c) body.corrects = c.id;
    try {
      const app = await post('/api/applications', body);
      mode.renew = null;
      mode.correct = null;
      mode.message = c ? t('req.corrected', { id: app.id, old: c.id }) : t('req.submitted', { id: app.id });
      form.reset();
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function revokeForm(ctx) {
  const cert = mode.revoke;
  const serial = cert.serial;
  const form = h('form', { class: 'card', 'data-key': `revoke-${serial}`, id: 'revoke-form', novalidate: true },
    h('h2', {}, t('req.revoke_heading', { serial })),
    h('dl', { class: 'details' },
      h('dt', {}, t('certs.col_subject')), h('dd', { 'data-subscriber': '' }, cert.subject_cn),
      h('dt', {}, t('certs.col_type')), h('dd', {}, t(`type.${cert.cert_type}`)),
      h('dt', {}, t('certs.col_not_after')), h('dd', {}, fmtDate(cert.not_after))),
    h('p', { class: 'notice notice-warn' }, t('req.revoke_permanent')),
    field({
      name: 'reason', label: t('req.revoke_reason'), type: 'select', value: '0',
      options: REASONS.map((n) => [String(n), t(`reason.${n}`)]),
    }),
    field({ name: 'note', label: t('req.revoke_note'), type: 'textarea', attrs: { maxlength: 256 } }),
    formMessage(),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'danger' }, t('req.revoke_submit')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { mode.revoke = null; ctx.refresh(); } }, t('common.cancel'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    const ok = await confirmDialog({
      title: t('req.revoke_confirm_title'),
      rows: [[t('certs.col_subject'), cert.subject_cn], [t('certs.col_type'), t(`type.${cert.cert_type}`)],
        [t('certs.col_serial'), serial], [t('req.revoke_reason'), t(`reason.${v.reason}`)], [t('req.revoke_note'), v.note]],
      text: t('req.revoke_permanent'), confirm: t('req.revoke_confirm'), danger: true,
    });
    if (!ok) return;
    const body = { serial, reason: Number(v.reason) };
    if (v.note) body.note = v.note;
    try {
      const rev = await post('/api/revocations', body);
      mode.revoke = null;
      mode.message = t('req.revoke_sent', { id: rev.id, due: fmtDate(rev.due) });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

// A refused application is corrected by a new one naming it (docs/ra-api.md "corrects").
function appActions(a, ctx) {
  const history = h('button', { type: 'button', class: 'secondary', 'data-action': 'timeline', 'aria-label': `${t('timeline.open')} ${a.id}`, onclick: () => timelineDialog(a.id, get, fmtTime) }, t('timeline.open'));
  if (a.status !== 'failed') return h('div', { class: 'buttons' }, history, a.corrects ? t('req.corrects', { id: a.corrects }) : null);
  if (a.corrected_by) return h('div', { class: 'buttons' }, history, t('req.corrected_by', { id: a.corrected_by }));
  return h('div', { class: 'buttons' }, history, h('button', {
    type: 'button', class: 'secondary', 'data-action': 'correct', 'aria-label': `${t('req.correct')} ${a.id}`,
    onclick: async () => {
      mode.renew = null; mode.revoke = null; mode.correct = a;
      await ctx.refresh();
      const form = document.getElementById('apply-form');
      const f = refusalField(a.error);
      if (f) showError(form, { message: a.error, code: 'GC_E_REQUEST_FIELD', field: f });
      else form.querySelector('input, select').focus();
    },
  }, t('req.correct')));
}

// A status with its reason, cut short for a table cell (the whole reason is in the
// application's history and the correction form).
export function statusText(status, extra, max = 90) {
  const s = t(`status.${status}`);
  if (!extra) return s;
  return `${s}: ${extra.length > max ? `${extra.slice(0, max).trimEnd()}…` : extra}`;
}

async function startRenew(cert, ctx) {
  let subject = { name: cert.subject_cn };
  const appId = cert.bound_to && cert.bound_to.application;
  if (appId) {
    try { subject = (await get(`/api/applications/${appId}`)).subject || subject; } catch (e) { /* keep the CN */ }
  }
  mode.revoke = null;
  mode.correct = null;
  mode.renew = { serial: cert.serial, cert_type: cert.cert_type, subject };
  await ctx.refresh();
  document.getElementById('apply-form').querySelector('input, select').focus();
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('req.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  main.append(mode.revoke ? revokeForm(ctx) : applyForm(ctx));

  const [apps, revs, certs] = await Promise.all([
    listView({
      id: 'my-applications', path: '/api/applications', base: { mine: '1' }, caption: t('req.list_heading'),
      defaultSort: 'id', defaultOrder: 'desc', searchLabel: t('list.search_apps'),
      filters: [
        { name: 'status', label: t('common.status'), options: APP_STATUSES.map((x) => [x, t(`status.${x}`)]) },
        { name: 'cert_type', label: t('req.col_type'), options: TYPES.map((x) => [x, t(`type.${x}`)]) },
      ],
      columns: [{ label: t('common.id'), sort: 'id', first: 'desc' }, { label: t('req.col_applicant') }, { label: t('req.col_subject') },
        { label: t('req.col_type'), sort: 'cert_type' }, { label: t('req.col_validity') }, { label: t('common.status'), sort: 'status' },
        { label: t('req.col_requested'), sort: 'requested_at', first: 'desc' }, { label: t('req.col_serial') }, { label: t('common.actions') }],
      row: (a) => ({
        attrs: { 'data-application': a.id },
        cells: [String(a.id), a.applicant_id || '', (a.subject && a.subject.name) || '', t(`type.${a.cert_type}`),
          t('req.validity_years', { n: a.validity_years }),
          h('span', { class: `status status-${a.status}`, 'data-status': a.status }, statusText(a.status, a.reason || (a.error && errorText({ message: a.error, code: 'GC_E_REQUEST_FIELD', field: refusalField(a.error) }, { bare: true })))),
          fmtTime(a.requested_at), a.serial ? h('code', {}, a.serial) : '', appActions(a, ctx)],
      }),
    }),
    listView({
      id: 'my-revocations', path: '/api/revocations', base: { mine: '1' }, caption: t('req.revs_heading'),
      defaultSort: 'id', defaultOrder: 'desc', searchLabel: t('list.search_revs'),
      filters: [{ name: 'status', label: t('common.status'), options: REV_STATUSES.map((x) => [x, t(`revstatus.${x}`)]) }],
      columns: [{ label: t('common.id'), sort: 'id', first: 'desc' }, { label: t('certs.col_serial') }, { label: t('certs.col_subject'), sort: 'subject_cn' },
        { label: t('req.col_type') }, { label: t('common.reason') }, { label: t('req.revoke_note') },
        { label: t('req.col_requested'), sort: 'requested_at', first: 'desc' }, { label: t('req.col_due'), sort: 'due' },
        { label: t('common.status'), sort: 'status' }, { label: t('req.col_decision') }],
      row: (r) => ({
        attrs: { 'data-revocation': r.id },
        cells: [String(r.id), h('code', {}, r.serial), r.subject_cn || '', r.cert_type ? t(`type.${r.cert_type}`) : '',
          t(`reason.${r.reason}`), r.note || '', fmtTime(r.requested_at), fmtDate(r.due),
          h('span', { class: `status status-${r.status}`, 'data-status': r.status }, t(`revstatus.${r.status}`)),
          [r.decided_by, r.decision_reason, r.error && errorText({ message: r.error, code: 'GC_E_REQUEST_FIELD' }, { bare: true })].filter(Boolean).join(': ')],
      }),
    }),
    listView({
      id: 'my-certificates', path: '/api/certificates', caption: t('req.certs_heading'),
      defaultSort: 'bound_at', defaultOrder: 'desc', searchLabel: t('list.search_certs'),
      filters: [
        { name: 'status', label: t('common.status'), options: CERT_STATUSES.map((x) => [x, t(`status.${x}`)]) },
        { name: 'cert_type', label: t('req.col_type'), options: TYPES.map((x) => [x, t(`type.${x}`)]) },
      ],
      columns: [{ label: t('certs.col_serial'), sort: 'serial' }, { label: t('certs.col_subject'), sort: 'subject_cn' }, { label: t('certs.col_type') },
        { label: t('common.status'), sort: 'status' }, { label: t('certs.col_not_after'), sort: 'not_after' }, { label: t('certs.col_renews') }, { label: t('common.actions') }],
      row: (c) => ({
        attrs: { 'data-serial': c.serial },
        cells: [h('code', {}, c.serial), c.subject_cn, t(`type.${c.cert_type}`),
          h('span', { class: `status status-${c.status}`, 'data-status': c.status }, t(`status.${c.status}`)),
          fmtDate(c.not_after), c.renews ? h('code', { 'data-renews': c.renews }, c.renews) : '',
          c.status === 'active' ? h('div', { class: 'buttons' },
            h('button', { type: 'button', class: 'secondary', 'data-action': 'renew', 'aria-label': `${t('req.renew')} ${c.serial}`, onclick: () => startRenew(c, ctx) }, t('req.renew')),
            h('button', {
              type: 'button', class: 'secondary', 'data-action': 'revoke', 'aria-label': `${t('req.revoke')} ${c.serial}`,
              onclick: async () => { mode.renew = null; mode.correct = null; mode.revoke = c; await ctx.refresh(); document.querySelector('#revoke-form select').focus(); },
            }, t('req.revoke'))) : ''],
      }),
    }),
  ]);
  main.append(h('section', { 'aria-labelledby': 'my-apps-h' }, h('h2', { id: 'my-apps-h' }, t('req.list_heading')), apps));
  main.append(h('section', { 'aria-labelledby': 'my-revs-h' }, h('h2', { id: 'my-revs-h' }, t('req.revs_heading')), revs));
  main.append(h('section', { 'aria-labelledby': 'my-certs-h' }, h('h2', { id: 'my-certs-h' }, t('req.certs_heading')), certs));
}
