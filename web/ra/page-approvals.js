// page-approvals.js - "Approvals waiting", the Business Manager's page. Applications
// (SPEC §3 step 2): the identity verification of CPS §3.1.8 — staff category (§3.1.8.1),
// proof document, the record it was checked against, and only the last four characters
// of the proof number — then approve, or reject with a reason. Revocation requests
// (§4.4.2): their due date by the B/D's working days and the overdue flag; approve or
// reject with a reason.

import { get, post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues, notice, table, errorText } from './dom.js';
import { t, fmtTime, fmtDate } from './i18n.js';
import { statusText } from './page-requests.js';

const STAFF = ['civil_servant', 'direct_contract', 'agency_contract', 'resident_contractor'];
const STAFF_UNIT = [...STAFF, 'functional_unit']; // a Functional Unit application may name the unit itself
const PROOFS = ['hkid', 'passport', 'bd_document'];
const RECORDS = ['government_personnel_records', 'employment_records', 'contractor_agreement'];
// CPS §3.1.8.1: which record each staff category's proof is checked against
const RECORD_OF = {
  civil_servant: 'government_personnel_records',
  direct_contract: 'government_personnel_records',
  agency_contract: 'employment_records',
  resident_contractor: 'contractor_agreement',
};

const mode = { message: null };

function details(a) {
  const s = a.subject || {};
  const rows = [
    [t('req.col_applicant'), a.applicant_id],
    [t('req.col_type'), t(`type.${a.cert_type}`)],
    [t('req.col_validity'), t('req.validity_years', { n: a.validity_years })],
    [t('req.subject_name'), s.name],
    [t('req.email'), s.email],
    [t('req.branch'), s.branch],
    [t('req.branch_abbr'), s.branch_abbr],
    [t('req.branch_zh'), s.branch_zh],
    [t('req.category'), s.category],
    [t('appr.requested_by'), a.requested_by],
    [t('req.col_requested'), fmtTime(a.requested_at)],
    [t('appr.renews'), a.renews],
  ].filter(([, v]) => v);
  return h('dl', { class: 'details' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function approveForm(a, ctx) {
  const form = h('form', { class: 'approve', 'data-key': `approve-${a.id}`, novalidate: true },
    h('fieldset', {},
      h('legend', {}, t('appr.verify_legend')),
      field({
        name: 'staff_category', label: t('appr.staff_category'), type: 'select', required: true,
        options: [['', '—'], ...(a.cert_type === 'functional_unit' ? STAFF_UNIT : STAFF).map((x) => [x, t(`staff.${x}`)])],
      }),
      field({
        name: 'proof_type', label: t('appr.proof_type'), type: 'select', required: true,
        options: [['', '—'], ...PROOFS.map((x) => [x, t(`proof.${x}`)])],
      }),
      field({
        name: 'record_checked', label: t('appr.record_checked'), type: 'select', required: true,
        options: [['', '—'], ...RECORDS.map((x) => [x, t(`record.${x}`)])],
      }),
      field({
        name: 'proof_ref_last4', label: t('appr.last4'), required: true, hint: t('appr.last4_hint'),
        attrs: {
          maxlength: 4, pattern: '[A-Za-z0-9\\(\\)]{1,4}', autocomplete: 'off', size: 6,
          'data-bad-message': t('appr.last4_bad'),
        },
      })),
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'approve' }, t('appr.approve')));
  form.elements.staff_category.addEventListener('change', () => {
    const rec = RECORD_OF[form.elements.staff_category.value];
    if (rec) form.elements.record_checked.value = rec;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    try {
      const res = await post(`/api/applications/${a.id}/approve`, {
        staff_category: v.staff_category, proof_type: v.proof_type,
        record_checked: v.record_checked, proof_ref_last4: v.proof_ref_last4,
      });
      if (res.status === 'failed') mode.message = { kind: 'error', text: t('appr.refused', { id: a.id, reason: errorText({ message: res.error, code: 'GC_E_REQUEST_FIELD' }) }) };
      else if (res.status === 'submitted' && res.error) mode.message = { kind: 'warn', text: t('appr.not_sent', { id: a.id }) };
      else mode.message = t('appr.approved', { id: a.id, status: statusText(res.status || 'approved') });
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function rejectForm(path, key, done, ctx) {
  const form = h('form', { class: 'reject', 'data-key': key, novalidate: true },
    field({ name: 'reason', label: t('appr.reject_reason'), type: 'textarea', required: true, attrs: { maxlength: 500 } }),
    formMessage(),
    h('button', { type: 'submit', class: 'danger', 'data-action': 'reject' }, t('appr.reject')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    try {
      await post(path, { reason: formValues(form).reason });
      mode.message = done;
      await ctx.refresh();
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

function revocationRow(r, ctx) {
  const approve = h('form', { class: 'inline', 'data-key': `rev-approve-${r.id}` },
    formMessage(),
    h('button', { type: 'submit', 'data-action': 'approve', 'aria-label': `${t('appr.approve')} ${r.serial}` }, t('appr.approve')));
  approve.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await post(`/api/revocations/${r.id}/approve`);
      mode.message = t('appr.rev_approved', { id: r.id, status: t(`revstatus.${res.status}`) });
      await ctx.refresh();
    } catch (err) {
      showError(approve, err);
    }
  });
  return {
    attrs: { 'data-revocation': r.id, class: r.overdue ? 'overdue' : null },
    cells: [String(r.id), h('code', {}, r.serial),
      r.reason !== undefined && r.reason !== null ? t(`reason.${r.reason}`) : '',
      r.requested_by || '', fmtTime(r.requested_at),
      fmtDate(r.due),
      r.overdue ? h('strong', { class: 'flag-overdue', 'data-overdue': 'true' }, t('appr.overdue')) : h('span', { 'data-overdue': 'false' }, t('appr.on_time')),
      h('div', { class: 'row-actions' }, approve,
        rejectForm(`/api/revocations/${r.id}/reject`, `rev-reject-${r.id}`, t('appr.rev_rejected', { id: r.id }), ctx))],
  };
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('appr.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  const errors = [];
  const [apps, revs] = await Promise.all([
    get('/api/applications?status=pending').catch((e) => { errors.push(e); return []; }),
    get('/api/revocations?status=pending').catch((e) => { errors.push(e); return []; }),
  ]);
  for (const e of errors) main.append(h('p', { class: 'notice notice-error', role: 'alert' }, e.message));

  const appSection = h('section', { 'aria-labelledby': 'apps-h', id: 'pending-applications' }, h('h2', { id: 'apps-h' }, t('appr.apps_heading')));
  if (!apps.length) appSection.append(h('p', { class: 'empty' }, t('common.none')));
  for (const a of apps) {
    const hid = `app-${a.id}-h`;
    appSection.append(h('article', { class: 'card application', 'data-application': a.id, 'aria-labelledby': hid },
      h('h3', { id: hid }, t('appr.details', { id: a.id, name: (a.subject && a.subject.name) || '' })),
      details(a),
      h('div', { class: 'decide' }, approveForm(a, ctx),
        rejectForm(`/api/applications/${a.id}/reject`, `reject-${a.id}`, t('appr.rejected', { id: a.id }), ctx))));
  }
  main.append(appSection);

  main.append(h('section', { 'aria-labelledby': 'revs-h', id: 'pending-revocations' },
    h('h2', { id: 'revs-h' }, t('appr.revs_heading')),
    table(t('appr.revs_heading'),
      [t('common.id'), t('certs.col_serial'), t('common.reason'), t('appr.requested_by'), t('req.col_requested'), t('appr.col_due'), t('common.status'), t('common.actions')],
      revs.map((r) => revocationRow(r, ctx)))));
}
