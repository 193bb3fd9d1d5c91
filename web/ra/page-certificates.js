// page-certificates.js - "Certificates": the certificates of the user's own B/D with
// status and validity, and each one's PEM to download (docs/ra-api.md "Certificates").

import { get } from './api.js';
import { h, table, notice } from './dom.js';
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
    slot.textContent = err.message;
    slot.hidden = false;
  }
}

export async function render(main) {
  main.append(h('h1', {}, t('certs.heading')));
  let certs = [];
  try {
    certs = await get('/api/certificates');
  } catch (err) {
    notice(main, err.message, 'error');
  }
  main.append(table(t('certs.heading'),
    [t('certs.col_serial'), t('certs.col_subject'), t('certs.col_type'), t('common.status'), t('certs.col_not_before'), t('certs.col_not_after'), 'PEM'],
    certs.map((c) => ({
      attrs: { 'data-serial': c.serial },
      cells: [h('code', {}, c.serial), c.subject_cn, t(`type.${c.cert_type}`),
        h('span', { class: `status status-${c.status}`, 'data-status': c.status }, t(`status.${c.status}`)),
        fmtDate(c.not_before), fmtDate(c.not_after),
        h('div', {},
          h('button', {
            type: 'button', class: 'secondary', 'data-action': 'download',
            'aria-label': t('certs.download_label', { serial: c.serial }),
            onclick: (e) => download(c.serial, e.currentTarget),
          }, t('certs.download')),
          h('p', { class: 'form-error', role: 'alert', hidden: true }))],
    })), { id: 'certificates' }));
}
