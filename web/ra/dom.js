// dom.js - small helpers to build accessible pages without a framework: elements, form
// fields with a bound <label>, a hint and an error slot (aria-describedby), and the
// placing of the API's error message next to the field it is about.

import { t, lang } from './i18n.js';

// The API's codes staff are told about in their own words (docs/ra-api.md "errors"); the
// code itself is never shown, only kept in data-code for support.
const ERR_LEAD = {
  GC_E_RA_AUTH: 'err.auth', GC_E_RA_LOCKED: 'err.locked', GC_E_RA_CSRF: 'err.csrf',
  GC_E_RA_FORBIDDEN: 'err.forbidden', GC_E_RA_SOD: 'err.sod', GC_E_RA_STATE: 'err.state',
  GC_E_CONFLICT: 'err.state', GC_E_NOT_FOUND: 'err.not_found', GC_E_RA_CRL: 'err.crl',
  GC_E_RA_DISABLED: 'err.disabled',
};

// What an ApiError says to staff: in English the API's message (it names the rule) without
// the request label, the member it is shown beside, or an internal code; in Chinese a
// sentence of our own for the kind of error, the API's detail after it.
export function errorText(err, opts = {}) {
  if (!err) return '';
  if (err.status === 0) return t('common.network');
  let m = String(err.message || '').replace(/\s*\(?\bGC_E_[A-Z0-9_]+\b\)?:?\s*/g, ' ').trim().replace(/^request [^:]+: /, '');
  if (err.field) m = m.replace(new RegExp(`^(subject\\.)?${err.field.replace(/^subject\./, '').replace(/[.]/g, '\\.')}: `), '');
  // the API's values (civil_servant, government_personnel_records, …) in the page's words
  m = m.replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (tok) => {
    for (const p of ['staff', 'record', 'proof', 'status', 'role']) {
      const k = `${p}.${tok}`;
      if (t(k) !== k) return `“${t(k)}”`;
    }
    return tok;
  });
  if (lang() === 'en' || opts.bare) return m;
  const lead = ERR_LEAD[err.code] ? t(ERR_LEAD[err.code]) : err.status >= 500 ? t('err.server') : t('err.input');
  return m ? `${lead}（${m}）` : lead;
}

let uid = 0;
export const newId = (prefix) => `${prefix}-${++uid}`;

// h('button', {type: 'submit', onclick: f}, 'text', child, …)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// A form field: label bound to the control, optional hint, an error slot announced to
// screen readers. opts: {name, label, type, required, options:[[value,label]], hint,
// value, api: ['member names of the API this field carries'], attrs}
export function field(opts) {
  const id = newId(`f-${opts.name}`);
  const errId = `${id}-err`;
  const hintId = opts.hint ? `${id}-hint` : null;
  let control;
  const common = {
    id, name: opts.name, required: !!opts.required,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    ...(opts.attrs || {}),
  };
  if (opts.type === 'select') {
    control = h('select', common, opts.options.map(([v, l]) => h('option', { value: v }, l)));
    if (opts.value !== undefined) control.value = opts.value;
  } else if (opts.type === 'textarea') {
    control = h('textarea', { ...common, rows: 2 }, opts.value || '');
  } else if (opts.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!opts.value });
  } else {
    control = h('input', { ...common, type: opts.type || 'text', value: opts.value });
  }
  const wrap = h('div', { class: `field field-${opts.type || 'text'}`, dataset: { field: opts.name, api: (opts.api || [opts.name]).join(' ') } });
  const label = h('label', { for: id }, opts.label);
  if (opts.type === 'checkbox') wrap.append(control, ' ', label);
  else wrap.append(label, control);
  if (hintId) wrap.append(h('p', { id: hintId, class: 'hint' }, opts.hint));
  wrap.append(h('p', { id: errId, class: 'field-error', role: 'alert', hidden: true }));
  return wrap;
}

// A group of radio buttons in a fieldset with a legend; the error slot as for field().
export function radios(opts) {
  const errId = newId(`r-${opts.name}-err`);
  const fs = h('fieldset', { class: 'field radios', dataset: { field: opts.name, api: (opts.api || [opts.name]).join(' ') }, 'aria-describedby': errId },
    h('legend', {}, opts.label));
  for (const [v, l] of opts.options) {
    const id = newId(`r-${opts.name}`);
    fs.append(h('div', { class: 'radio' },
      h('input', { type: 'radio', id, name: opts.name, value: v, checked: v === opts.value, required: !!opts.required }),
      ' ', h('label', { for: id }, l)));
  }
  if (opts.hint) fs.append(h('p', { class: 'hint' }, opts.hint));
  fs.append(h('p', { id: errId, class: 'field-error', role: 'alert', hidden: true }));
  return fs;
}

// The form-level message slot (beside the submit button) for errors that name no field.
export function formMessage() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach((p) => { p.hidden = true; p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
}

// Shows one error next to the field it is about and moves the focus there. The field is
// the API's `field` member when it has one; otherwise the field whose API member name
// the message mentions (the API's messages name the member, e.g. "validity_years must be
// 1 to 3"); otherwise the form-level slot.
export function showError(form, err, fieldName) {
  let wrap = null;
  if (fieldName) wrap = form.querySelector(`[data-field="${fieldName}"]`);
  const wraps = [...form.querySelectorAll('[data-api]')];
  if (!wrap && err.field) wrap = wraps.find((w) => w.dataset.api.split(' ').includes(err.field));
  if (!wrap && err.message && !err.field) {
    const msg = err.message.toLowerCase();
    let best = null;
    for (const w of wraps) {
      for (const name of w.dataset.api.split(' ')) {
        const re = new RegExp(`(^|[^a-z0-9_])${name.replace(/[.]/g, '\\.')}($|[^a-z0-9_])`);
        if (re.test(msg) && (!best || name.length > best[1].length)) best = [w, name];
      }
    }
    if (best) wrap = best[0];
  }
  const text = err.code && err.code.startsWith('GC_E_') ? errorText(err) : err.message;
  if (wrap) {
    const slot = wrap.querySelector(':scope > .field-error');
    slot.textContent = text;
    slot.dataset.code = err.code || '';
    slot.hidden = false;
    const control = wrap.querySelector('input, select, textarea');
    wrap.querySelectorAll('input, select, textarea').forEach((c) => c.setAttribute('aria-invalid', 'true'));
    if (control) control.focus();
  } else {
    const slot = form.querySelector('.form-error');
    slot.textContent = text;
    slot.dataset.code = err.code || '';
    slot.hidden = false;
    const submit = form.querySelector('[type=submit]');
    if (submit) submit.focus();
  }
}

// Client-side checks before sending: required fields and the browser's constraint
// validation, shown with the same slots as the API's errors. Returns true when fine.
export function checkForm(form) {
  clearErrors(form);
  for (const wrap of form.querySelectorAll('[data-field]')) {
    const controls = [...wrap.querySelectorAll('input, select, textarea')];
    const bad = controls.find((c) => !c.checkValidity());
    if (bad) {
      let message = bad.validity.valueMissing ? t('common.required') : bad.dataset.badMessage || bad.validationMessage;
      showError(form, { message }, wrap.dataset.field);
      return false;
    }
  }
  return true;
}

export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
    else out[el.name] = el.value.trim();
  }
  return out;
}

// A status message for the page (role=status, polite), e.g. "Application 7 submitted".
export function notice(container, text, kind = 'ok') {
  if (text && typeof text === 'object') { kind = text.kind || kind; text = text.text; }
  let p = container.querySelector(':scope > .notice');
  if (!p) {
    p = h('p', { class: 'notice', role: kind === 'error' ? 'alert' : 'status' });
    const h1 = container.querySelector(':scope > h1');
    container.insertBefore(p, h1 ? h1.nextSibling : container.firstChild);
  }
  p.className = `notice notice-${kind}`;
  p.textContent = text;
}

// A table with a caption; rows is a list of arrays of cells (strings or nodes).
export function table(caption, headers, rows, attrs = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, t('common.none'));
  return h('table', attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', r.attrs || {}, (r.cells || r).map((c) => h('td', {}, c))))));
}

// A modal confirmation (a <dialog>): what is about to happen, as rows of a description
// list, and two buttons; resolves true only when the user confirms. The focus starts on
// Cancel, so Enter alone never confirms a permanent step.
export function confirmDialog({ title, rows = [], text, confirm, danger = false }) {
  return new Promise((resolve) => {
    const titleId = newId('dlg');
    const cancel = h('button', { type: 'button', class: 'secondary', 'data-action': 'cancel' }, t('common.cancel'));
    const ok = h('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': 'confirm' }, confirm);
    const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, 'data-dialog': 'confirm' },
      h('h2', { id: titleId }, title),
      h('dl', { class: 'details' }, rows.filter(([, v]) => v).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      text ? h('p', { class: danger ? 'notice notice-warn' : 'hint' }, text) : null,
      h('div', { class: 'buttons' }, ok, cancel));
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    ok.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// What happened to an application, from GET /api/applications/{id}/timeline, in a
// dialog: each event with its Hong Kong time and who acted.
export async function timelineDialog(id, get, fmtTime) {
  let data;
  try { data = await get(`/api/applications/${id}/timeline`); } catch (err) { data = { events: [], error: err }; }
  const titleId = newId('tl');
  const close = h('button', { type: 'button', class: 'secondary', 'data-action': 'close' }, t('appr.close'));
  const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, 'data-dialog': 'timeline' },
    h('h2', { id: titleId }, t('timeline.heading', { id })),
    data.error ? h('p', { class: 'notice notice-error' }, errorText(data.error)) : null,
    h('ol', { class: 'timeline' }, data.events.map((e) => h('li', { 'data-event': e.event, class: e.success ? null : 'failed' },
      h('strong', {}, t(`event.${e.event}`) === `event.${e.event}` ? e.event : t(`event.${e.event}`)), ' · ',
      fmtTime(e.at), ' · ', e.by, e.detail ? h('div', { class: 'hint' }, errorText({ message: e.detail, code: 'GC_E_REQUEST_FIELD' })) : null))),
    data.application && data.application.corrected_by ? h('p', {}, t('req.corrected_by', { id: data.application.corrected_by })) : null,
    h('div', { class: 'buttons' }, close));
  return new Promise((resolve) => {
    const done = () => { dlg.close(); dlg.remove(); resolve(); };
    close.addEventListener('click', done);
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(); });
    document.body.append(dlg);
    dlg.showModal();
    close.focus();
  });
}
