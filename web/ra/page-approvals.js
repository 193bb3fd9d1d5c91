// page-approvals.js - "Approvals waiting", the Business Manager's page. Applications
// (SPEC §3 step 2): the identity verification of CPS §3.1.8 — staff category (§3.1.8.1),
// proof document, the record it was checked against, and only the last four characters
// of the proof number — then approve, or reject with a reason. Revocation requests
// (§4.4.2): their due date by the B/D's working days and the overdue flag; approve or
// reject with a reason.

import { get, post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues, notice, errorText, confirmDialog } from './dom.js';
import { t, fmtTime, fmtDate } from './i18n.js';
import { statusText, APP_STATUSES, REV_STATUSES, TYPES } from './page-requests.js';
import { listView } from './list.js';

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

// the application under review (one at a time), and the page's message
const mode = { message: null, open: null };

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
      if (res.status === 'failed') mode.message = { kind: 'error', text: t('appr.refused', { id: a.id, reason: errorText({ message: res.error, code: 'GC_E_REQUEST_FIELD' }, { bare: true }).replace(/[.。]$/, '') }) };
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
    h('button', { type: 'submit', class: 'danger', 'data-action': 'approve', 'aria-label': `${t('appr.approve')} ${r.serial}` }, t('appr.approve')));
  approve.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await confirmDialog({
      title: t('appr.rev_confirm_title', { id: r.id }),
      rows: [[t('certs.col_subject'), r.subject_cn], [t('certs.col_type'), t(`type.${r.cert_type}`)],
        [t('certs.col_serial'), r.serial], [t('common.reason'), t(`reason.${r.reason}`)], [t('req.revoke_note'), r.note],
        [t('appr.requested_by'), r.requested_by], [t('appr.col_due'), fmtDate(r.due)]],
      text: t('appr.rev_permanent'), confirm: t('appr.rev_confirm'), danger: true,
    });
    if (!ok) return;
    try {
      const res = await post(`/api/revocations/${r.id}/approve`);
      mode.message = res.status === 'failed'
        ? { kind: 'error', text: t('appr.rev_refused', { id: r.id, reason: errorText({ message: res.error, code: 'GC_E_REQUEST_FIELD' }) }) }
        : t('appr.rev_approved', { id: r.id, status: t(`revstatus.${res.status}`) });
      await ctx.refresh();
    } catch (err) {
      showError(approve, err);
    }
  });
  return {
    attrs: { 'data-revocation': r.id, class: r.overdue ? 'overdue' : null },
    cells: [String(r.id), r.subject_cn || '', r.cert_type ? t(`type.${r.cert_type}`) : '', h('code', {}, r.serial),
      r.reason !== undefined && r.reason !== null ? t(`reason.${r.reason}`) : '', r.note || '',
      r.requested_by || '', fmtTime(r.requested_at),
      fmtDate(r.due),
      r.overdue ? h('strong', { class: 'flag-overdue', 'data-overdue': 'true' }, t('appr.overdue')) : h('span', { 'data-overdue': 'false' }, t('appr.on_time')),
      h('div', { class: 'row-actions' }, approve,
        rejectForm(`/api/revocations/${r.id}/reject`, `rev-reject-${r.id}`, t('appr.rev_rejected', { id: r.id }), ctx))],
  };
}

function reviewCard(a, ctx) {
  const hid = `app-${a.id}-h`;
  return h('article', { class: 'card application', 'data-application': a.id, 'aria-labelledby': hid, id: 'review' },
    h('h3', { id: hid }, t('appr.details', { id: a.id, name: (a.subject && a.subject.name) || '' })),
    details(a),
    h('div', { class: 'decide' }, approveForm(a, ctx),
      rejectForm(`/api/applications/${a.id}/reject`, `reject-${a.id}`, t('appr.rejected', { id: a.id }), ctx)),
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', 'data-action': 'close', onclick: () => { mode.open = null; ctx.refresh(); } }, t('appr.close'))));
}

export async function render(main, ctx) {
  main.append(h('h1', {}, t('appr.heading')));
  if (mode.message) {
    notice(main, mode.message);
    mode.message = null;
  }
  let open = null;
  if (mode.open) {
    try {
      open = await get(`/api/applications/${mode.open}`);
      if (open.status !== 'pending') { open = null; mode.open = null; }
    } catch (e) { mode.open = null; }
  }
  const [apps, revs, history, revHistory] = await Promise.all([
    listView({
      id: 'pending-applications-list', path: '/api/applications', base: { status: 'pending' }, caption: t('appr.apps_heading'),
      defaultSort: 'requested_at', defaultOrder: 'asc', searchLabel: t('list.search_apps'),
      filters: [{ name: 'cert_type', label: t('req.col_type'), options: TYPES.map((x) => [x, t(`type.${x}`)]) }],
      columns: [{ label: t('common.id'), sort: 'id' }, { label: t('req.col_subject') }, { label: t('req.col_type'), sort: 'cert_type' },
        { label: t('req.branch') }, { label: t('appr.requested_by'), sort: 'requested_by' }, { label: t('req.col_requested'), sort: 'requested_at' },
        { label: t('common.actions') }],
      row: (a) => ({
        attrs: { 'data-application': a.id, 'aria-current': mode.open === a.id ? 'true' : null },
        cells: [String(a.id), (a.subject && a.subject.name) || '', t(`type.${a.cert_type}`), (a.subject && a.subject.branch) || '',
          a.requested_by, fmtTime(a.requested_at),
          h('button', {
            type: 'button', class: 'secondary', 'data-action': 'review', 'aria-label': `${t('appr.review')} ${a.id}`,
            onclick: async () => { mode.open = a.id; await ctx.refresh(); document.querySelector('#review select').focus(); },
          }, t('appr.review'))],
      }),
    }),
    listView({
      id: 'pending-revocations-list', path: '/api/revocations', base: { status: 'pending' }, caption: t('appr.revs_heading'),
      defaultSort: 'due', defaultOrder: 'asc', searchLabel: t('list.search_revs'),
      columns: [{ label: t('common.id'), sort: 'id' }, { label: t('certs.col_subject'), sort: 'subject_cn' }, { label: t('req.col_type') },
        { label: t('certs.col_serial') }, { label: t('common.reason') }, { label: t('req.revoke_note') }, { label: t('appr.requested_by') },
        { label: t('req.col_requested'), sort: 'requested_at' }, { label: t('appr.col_due'), sort: 'due' }, { label: t('common.status') }, { label: t('common.actions') }],
      row: (r) => revocationRow(r, ctx),
    }),
    listView({
      id: 'decided-applications', path: '/api/applications', base: { decided_by_me: '1' }, caption: t('appr.history_apps'),
      defaultSort: 'decided_at', defaultOrder: 'desc', searchLabel: t('list.search_apps'),
      filters: [{ name: 'status', label: t('common.status'), options: APP_STATUSES.filter((x) => x !== 'pending').map((x) => [x, t(`status.${x}`)]) }],
      columns: [{ label: t('common.id'), sort: 'id' }, { label: t('req.col_subject') }, { label: t('req.col_type') },
        { label: t('common.status'), sort: 'status' }, { label: t('appr.decided_at'), sort: 'decided_at', first: 'desc' }],
      row: (a) => ({
        attrs: { 'data-application': a.id },
        cells: [String(a.id), (a.subject && a.subject.name) || '', t(`type.${a.cert_type}`),
          h('span', { class: `status status-${a.status}`, 'data-status': a.status }, statusText(a.status, a.reason || (a.error && errorText({ message: a.error, code: 'GC_E_REQUEST_FIELD' }, { bare: true })))),
          fmtTime(a.decided_at)],
      }),
    }),
    listView({
      id: 'decided-revocations', path: '/api/revocations', base: { decided_by_me: '1' }, caption: t('appr.history_revs'),
      defaultSort: 'decided_at', defaultOrder: 'desc', searchLabel: t('list.search_revs'),
      filters: [{ name: 'status', label: t('common.status'), options: REV_STATUSES.filter((x) => x !== 'pending').map((x) => [x, t(`revstatus.${x}`)]) }],
      columns: [{ label: t('common.id'), sort: 'id' }, { label: t('certs.col_subject'), sort: 'subject_cn' }, { label: t('certs.col_serial') },
        { label: t('common.status'), sort: 'status' }, { label: t('appr.decided_at'), sort: 'decided_at', first: 'desc' }],
      row: (r) => ({
        attrs: { 'data-revocation': r.id },
        cells: [String(r.id), r.subject_cn || '', h('code', {}, r.serial),
          h('span', { class: `status status-${r.status}`, 'data-status': r.status }, t(`revstatus.${r.status}`)), fmtTime(r.decided_at)],
      }),
    }),
  ]);
  const appSection = h('section', { 'aria-labelledby': 'apps-h', id: 'pending-applications' }, h('h2', { id: 'apps-h' }, t('appr.apps_heading')), apps);
  if (open) appSection.append(reviewCard(open, ctx));
  main.append(appSection);
  main.append(h('section', { 'aria-labelledby': 'revs-h', id: 'pending-revocations' }, h('h2', { id: 'revs-h' }, t('appr.revs_heading')), revs));
  main.append(h('section', { 'aria-labelledby': 'hist-h', id: 'history' }, h('h2', { id: 'hist-h' }, t('appr.history_heading')),
    h('h3', {}, t('appr.history_apps')), history, h('h3', {}, t('appr.history_revs')), revHistory));
}
