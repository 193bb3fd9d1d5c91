// page-certificates.js - "Certificates": the certificates of the user's own B/D with
// status and validity, and each one's PEM to download (docs/ra-api.md "Certificates").

import { get } from './api.js';
import { h, errorText } from './dom.js';
import { listView } from './list.js';
import { CERT_STATUSES, TYPES } from './page-requests.js';
import { t, fmtDate } from './i18n.js';

async function download(serial, button) {
  try {
    const c = await get(`/api/certificates/${encodeURIComponent(serial)}`);
    const url = URL.createObjectURL(new Blob([c.pem], { type: 'application/x-pem-file' }));
    const a = h('a', { href: url, download: `${serial}.pem`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    const slot = button.parentElement.querySelector('.form-error');
    slot.textContent = errorText(err);
    slot.hidden = false;
  }
}

export async function render(main) {
  main.append(h('h1', {}, t('certs.heading')));
  main.append(await listView({
    id: 'certificates', path: '/api/certificates', caption: t('certs.heading'),
    defaultSort: 'bound_at', defaultOrder: 'desc', searchLabel: t('list.search_certs'),
    filters: [
      { name: 'status', label: t('common.status'), options: CERT_STATUSES.map((x) => [x, t(`status.${x}`)]) },
      { name: 'cert_type', label: t('certs.col_type'), options: TYPES.map((x) => [x, t(`type.${x}`)]) },
    ],
    columns: [{ label: t('certs.col_serial'), sort: 'serial' }, { label: t('certs.col_subject'), sort: 'subject_cn' }, { label: t('certs.col_type') },
      { label: t('common.status'), sort: 'status' }, { label: t('certs.col_not_before'), sort: 'not_before' },
      { label: t('certs.col_not_after'), sort: 'not_after' }, { label: t('certs.col_renews') }, { label: 'PEM' }],
    row: (c) => ({
      attrs: { 'data-serial': c.serial },
      cells: [h('code', {}, c.serial), c.subject_cn, t(`type.${c.cert_type}`),
        h('span', { class: `status status-${c.status}`, 'data-status': c.status }, t(`status.${c.status}`)),
        fmtDate(c.not_before), fmtDate(c.not_after),
        [c.renews ? h('span', { 'data-renews': c.renews }, t('certs.renews'), ' ', h('code', {}, c.renews)) : null,
          c.renewed_by ? h('span', { 'data-renewed-by': c.renewed_by }, t('certs.renewed_by'), ' ', h('code', {}, c.renewed_by)) : null],
        h('div', {},
          h('button', {
            type: 'button', class: 'secondary', 'data-action': 'download',
            'aria-label': t('certs.download_label', { serial: c.serial }),
            onclick: (e) => download(c.serial, e.currentTarget),
          }, t('certs.download')),
          h('p', { class: 'form-error', role: 'alert', hidden: true }))],
    }),
  }));
}
