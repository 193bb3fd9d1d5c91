// app.js - the RA web UI's shell (issue 6): session, navigation by role, language switch
// and the hash routes of the pages. Each page is a module exporting
// render(main, ctx) where ctx = {me, go, refresh}. Plain ES modules, no build step.

import { api, get, setCsrf, onSessionLost } from './api.js';
import { h } from './dom.js';
import { t, initLang, setLang, lang, onLangChange } from './i18n.js';
import * as loginPage from './page-login.js';
import * as requestsPage from './page-requests.js';
import * as approvalsPage from './page-approvals.js';
import * as certificatesPage from './page-certificates.js';
import * as usersPage from './page-users.js';
import * as custodyPage from './page-custody.js';
import * as accountPage from './page-account.js';

// route → page, the label of its link, and the roles that may open it (null: any user)
const ROUTES = {
  requests: { page: requestsPage, label: 'nav.requests', roles: ['requester'] },
  approvals: { page: approvalsPage, label: 'nav.approvals', roles: ['business_manager'] },
  certificates: { page: certificatesPage, label: 'nav.certificates', roles: null },
  users: { page: usersPage, label: 'nav.users', roles: ['bd_admin'] },
  custody: { page: custodyPage, label: 'nav.custody', roles: ['bd_admin', 'business_manager'] },
  account: { page: accountPage, label: 'nav.account', roles: null },
};

const state = { me: null, route: null, unread: 0 };
const main = () => document.getElementById('main');

function allowed(route, me) {
  const r = ROUTES[route];
  if (!me) return false; // the session ended while the page was loading
  if (me.must_change_password && route !== 'account') return false;
  return r && (!r.roles || r.roles.some((x) => me.roles.includes(x)));
}

function homeRoute(me) {
  if (!me) return 'login';
  if (me.must_change_password) return 'account';
  if (me.roles.includes('requester')) return 'requests';
  if (me.roles.includes('business_manager')) return 'approvals';
  if (me.roles.includes('bd_admin')) return 'users';
  return 'certificates';
}

function go(route) {
  if (location.hash === `#/${route}`) render();
  else location.hash = `#/${route}`;
}

function renderHeader() {
  document.title = t('app.title');
  const header = document.getElementById('header');
  const other = lang() === 'en' ? 'zh-Hant' : 'en';
  header.replaceChildren(
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main().focus(); } }, t('app.skip')),
    h('div', { class: 'bar' },
      h('p', { class: 'brand' }, t('app.title')),
      h('button', {
        type: 'button', id: 'lang-switch', lang: other, title: t('lang.switch_label'),
        onclick: () => setLang(other),
      }, t('lang.switch'))));
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  if (!state.me) { nav.replaceChildren(); nav.hidden = true; return; }
  const me = state.me;
  const orgName = me.org ? (lang() === 'en' ? me.org.name_en : me.org.name_zh) || me.org.code : '';
  nav.hidden = false;
  nav.replaceChildren(
    h('ul', {}, Object.keys(ROUTES).filter((r) => allowed(r, me)).map((r) =>
      h('li', {}, h('a', { href: `#/${r}`, 'aria-current': state.route === r ? 'page' : null }, t(ROUTES[r].label),
        r === 'account' && state.unread ? h('span', { class: 'badge', 'data-unread': state.unread, 'aria-label': t('nav.unread', { n: state.unread }) }, String(state.unread)) : null)))),
    h('p', { class: 'me' }, t('me.signed_in', { name: me.name || me.username, org: orgName }),
      ' · ', me.roles.map((r) => t(`role.${r}`)).join(', ')),
    h('button', { type: 'button', id: 'logout', onclick: logout }, t('nav.logout')));
}

async function logout() {
  try { await api('POST', '/api/logout'); } catch (e) { /* the session is gone either way */ }
  state.me = null;
  setCsrf(null);
  go('login');
}

async function loadMe() {
  try {
    state.me = await get('/api/me');
    setCsrf(state.me.csrf);
  } catch (e) {
    state.me = null;
    setCsrf(null);
  }
}

// Keeps what the user typed across a re-render (language switch): inputs by form key
// and field name.
function snapshotForms() {
  const snap = {};
  document.querySelectorAll('form[data-key]').forEach((f) => {
    snap[f.dataset.key] = [...f.elements].filter((e) => e.name && e.type !== 'password')
      .map((e) => [e.name, e.type === 'checkbox' || e.type === 'radio' ? e.checked : e.value, e.value]);
  });
  return snap;
}

function restoreForms(snap) {
  document.querySelectorAll('form[data-key]').forEach((f) => {
    const vals = snap[f.dataset.key];
    if (!vals) return;
    for (const [name, v, value] of vals) {
      for (const e of f.elements) {
        if (e.name !== name) continue;
        if (e.type === 'radio') { if (e.value === value) e.checked = v; } else if (e.type === 'checkbox') e.checked = v;
        else e.value = v;
      }
    }
    f.dispatchEvent(new Event('restored'));
  });
}

let renderSeq = 0;
async function render(opts = {}) {
  const seq = ++renderSeq;
  let route = (location.hash.match(/^#\/(\w+)/) || [])[1] || '';
  if (!state.me && route !== 'login') { location.replace('#/login'); route = 'login'; }
  if (state.me && (route === 'login' || !ROUTES[route] || (state.me.must_change_password && route !== 'account'))) {
    location.replace(`#/${homeRoute(state.me)}`); route = homeRoute(state.me);
  }
  state.route = route;
  if (state.me && !state.me.must_change_password) {
    try { state.unread = (await get('/api/notifications?unread=1&per_page=1')).total; } catch (e) { state.unread = 0; }
  }
  renderHeader();
  const m = main();
  const snap = opts.keepForms ? snapshotForms() : null;
  const ctx = { me: state.me, go, refresh: () => render({ keepForms: true }), loggedIn, passwordChanged };
  if (route === 'login') {
    m.replaceChildren();
    await loginPage.render(m, ctx);
  } else if (!state.me) {
    return render(); // the session ended while this page was being prepared: to the login page
  } else if (!allowed(route, state.me)) {
    const roles = ROUTES[route].roles.map((r) => t(`role.${r}`)).join(' / ');
    m.replaceChildren(h('h1', { tabindex: -1 }, t(ROUTES[route].label)),
      h('p', { class: 'notice notice-error', role: 'alert' }, t('common.forbidden_page', { role: roles })));
  } else {
    m.replaceChildren(h('p', { role: 'status' }, t('common.loading')));
    const frag = h('div', {});
    await ROUTES[route].page.render(frag, ctx);
    if (seq !== renderSeq) return; // a newer render has started
    m.replaceChildren(...frag.childNodes);
  }
  if (snap) restoreForms(snap);
  if (!opts.keepFocus) {
    const h1 = m.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus(); }
  }
  m.dataset.ready = route; // for tests and assistive tools: the page is in place
}

async function loggedIn(me) {
  state.me = me;
  setCsrf(me.csrf);
  if (me.lang && me.lang !== lang() && !me.must_change_password) setLang(me.lang, false);
  go(homeRoute(me));
}

async function passwordChanged() {
  await loadMe();
  if (state.me) go(homeRoute(state.me));
}

// Only a session that was there and is gone is "ended": a first visit, or a visit after
// logging out, is simply not logged in yet.
onSessionLost(() => {
  const had = state.me !== null;
  state.me = null;
  setCsrf(null);
  if (had) sessionStorage.setItem('gcert-ra-lost', '1');
  location.hash = '#/login';
});

onLangChange((code) => {
  // the language of the user's mails follows the one they read the pages in
  if (state.me && !state.me.must_change_password && state.me.lang !== code) {
    api('POST', '/api/me/lang', { lang: code }).then((u) => { state.me.lang = u.lang; }).catch(() => {});
  }
  render({ keepForms: true, keepFocus: true }).then(() => document.getElementById('lang-switch').focus());
});

window.addEventListener('hashchange', () => render());

initLang();
await loadMe();
await render();
