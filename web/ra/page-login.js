// page-login.js - the login page (docs/ra-api.md "Sessions"): user name and password;
// the API's message (wrong password, account locked after repeated failures) is shown
// next to the form.

import { post } from './api.js';
import { h, field, formMessage, checkForm, showError, formValues } from './dom.js';
import { t } from './i18n.js';

export async function render(main, ctx) {
  const form = h('form', { class: 'card narrow', 'data-key': 'login', novalidate: true },
    field({ name: 'username', label: t('login.username'), required: true, attrs: { autocomplete: 'username' } }),
    field({ name: 'password', label: t('login.password'), type: 'password', required: true, attrs: { autocomplete: 'current-password' } }),
    formMessage(),
    h('button', { type: 'submit' }, t('login.submit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!checkForm(form)) return;
    const v = formValues(form);
    try {
      const me = await post('/api/login', { username: v.username, password: form.elements.password.value });
      sessionStorage.removeItem('gcert-ra-lost');
      await ctx.loggedIn(me);
    } catch (err) {
      showError(form, err);
    }
  });
  const children = [h('h1', {}, t('login.heading'))];
  if (sessionStorage.getItem('gcert-ra-lost')) children.push(h('p', { class: 'notice notice-error', role: 'alert' }, t('common.not_logged_in')));
  children.push(h('p', {}, t('login.intro')), form);
  main.append(...children);
}
