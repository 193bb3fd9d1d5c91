// list.js - one list of the API (docs/ra-api.md "Lists") as a searchable, filterable,
// sortable, paged table: the server does the work, the page shows one page of rows.
// Each list keeps its query (search, filters, sort, page) across re-renders; a change
// reloads only the list. While it loads, the section carries data-loading (for tests
// and assistive tools, with aria-busy).

import { get } from './api.js';
import { h, newId, errorText } from './dom.js';
import { t } from './i18n.js';

const queries = {}; // list id → {q, filters: {}, sort, order, page, per_page}
const PAGE_SIZES = [5, 10, 20, 50, 100]; // the API's per_page is 1..100

// opts: {id, path, caption, per_page, columns: [{label, sort}], row(item) → {attrs, cells},
//   filters: [{name, label, options: [[value, label]]}], base: {arg: value},
//   defaultSort, defaultOrder, searchLabel, empty}
export async function listView(opts) {
  const query = queries[opts.id] || (queries[opts.id] = {
    q: '', filters: {}, sort: opts.defaultSort || null, order: opts.defaultOrder || null, page: 1, per_page: opts.per_page || 20,
  });
  const section = h('div', { class: 'list', 'data-list': opts.id });
  const body = h('div', { class: 'list-body' });

  const search = h('input', { type: 'search', id: newId(`${opts.id}-q`), name: 'q', maxlength: 64, value: query.q, autocomplete: 'off' });
  const controls = h('form', { class: 'list-controls', role: 'search', 'data-key': `list-${opts.id}`, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: search.id }, opts.searchLabel || t('list.search')), search),
    (opts.filters || []).map((f) => {
      const id = newId(`${opts.id}-${f.name}`);
      const sel = h('select', { id, name: f.name }, h('option', { value: '' }, t('list.any')),
        f.options.map(([v, l]) => h('option', { value: v }, l)));
      sel.value = query.filters[f.name] || '';
      sel.addEventListener('change', () => { query.filters[f.name] = sel.value; query.page = 1; load(); });
      return h('div', { class: 'field' }, h('label', { for: id }, f.label), sel);
    }),
    (() => {
      const id = newId(`${opts.id}-pp`);
      const sel = h('select', { id, name: 'per_page' }, PAGE_SIZES.map((n) => h('option', { value: n }, String(n))));
      sel.value = String(query.per_page);
      sel.addEventListener('change', () => { query.per_page = Number(sel.value); query.page = 1; load(); });
      return h('div', { class: 'field' }, h('label', { for: id }, t('list.per_page')), sel);
    })(),
    h('button', { type: 'submit', class: 'secondary' }, t('list.search_button')));
  controls.addEventListener('submit', (e) => { e.preventDefault(); query.q = search.value.trim(); query.page = 1; load(); });
  section.append(controls, body);

  async function load() {
    section.dataset.loading = '1';
    section.setAttribute('aria-busy', 'true');
    const args = new URLSearchParams({ ...(opts.base || {}), page: String(query.page), per_page: String(query.per_page) });
    if (query.q) args.set('q', query.q);
    for (const [k, v] of Object.entries(query.filters)) if (v) args.set(k, v);
    if (query.sort) args.set('sort', query.sort);
    if (query.order) args.set('order', query.order);
    let data;
    try {
      data = await get(`${opts.path}?${args}`);
    } catch (err) {
      body.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, errorText(err)));
      delete section.dataset.loading;
      section.removeAttribute('aria-busy');
      return;
    }
    if (query.page > 1 && data.items.length === 0 && data.total > 0) { query.page = data.pages; return load(); }
    body.replaceChildren(...render(data));
    delete section.dataset.loading;
    section.removeAttribute('aria-busy');
  }

  function header(col) {
    if (!col.sort) return h('th', { scope: 'col' }, col.label);
    const active = query.sort === col.sort || (!query.sort && opts.defaultSort === col.sort);
    const order = active ? (query.order || opts.defaultOrder || 'desc') : null;
    return h('th', { scope: 'col', 'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : 'none' },
      h('button', {
        type: 'button', class: 'sort', 'data-sort': col.sort,
        onclick: () => {
          query.order = active && order === 'asc' ? 'desc' : active ? 'asc' : (col.first || 'asc');
          query.sort = col.sort; query.page = 1; load();
        },
      }, col.label, h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, active ? (order === 'asc' ? ' ▲' : ' ▼') : '')));
  }

  function render(data) {
    const out = [];
    const narrowed = query.q || Object.values(query.filters).some(Boolean);
    // an empty list that nobody narrowed needs no search box
    controls.hidden = data.total === 0 && !narrowed;
    if (!data.items.length) out.push(h('p', { class: 'empty' }, narrowed ? t('list.no_match') : opts.empty || t('common.none')));
    else {
      out.push(h('div', { class: 'table-wrap' }, h('table', { id: opts.id },
        h('caption', {}, opts.caption),
        h('thead', {}, h('tr', {}, opts.columns.map(header))),
        h('tbody', {}, data.items.map((it) => {
          const r = opts.row(it, load);
          return h('tr', r.attrs || {}, r.cells.map((c, i) => h('td', { 'data-label': opts.columns[i].label }, c)));
        })))));
    }
    const pager = h('nav', { class: 'pager', 'aria-label': t('list.pages', { what: opts.caption }) },
      h('button', { type: 'button', class: 'secondary', 'data-page': 'prev', disabled: data.page <= 1, onclick: () => { query.page = data.page - 1; load(); } }, t('list.prev')),
      h('span', { class: 'pager-info', 'data-total': data.total }, t('list.info', { page: data.page, pages: Math.max(1, data.pages), total: data.total })),
      h('button', { type: 'button', class: 'secondary', 'data-page': 'next', disabled: data.page >= data.pages, onclick: () => { query.page = data.page + 1; load(); } }, t('list.next')));
    if (data.total > 0) out.push(pager);
    pager.hidden = data.pages <= 1;
    return out;
  }

  await load();
  return section;
}
