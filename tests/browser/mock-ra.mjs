// mock-ra.mjs - an in-memory stand-in for `gcert ra serve`, for working on the web UI
// (web/ra/) without a CA, a token or the C build: it serves web/ra/ at / and answers the
// API of docs/ra-api.md with made-up certificates. It is not the contract (the doc is)
// and it is not what tests/browser/run.sh tests (that runs the real services).
//   node tests/browser/mock-ra.mjs [--port 8099]
// Users (password "secret-pass-1"): admin1 (bd_admin), req1 (requester),
// bm1 (business_manager), bm2 (business_manager), all of OGCIO.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../web/ra');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8099;

const org = { code: 'OGCIO', name_en: 'Office of the Government Chief Information Officer', name_zh: '政府資訊科技總監辦公室' };
const PASS = 'secret-pass-1';
let nextUser = 1;
const users = [];
function addUser(username, name, roles, password = PASS, email = `${username}@example.gov.hk`) {
  const u = { id: nextUser++, username, name, email, roles, locked: false, failures: 0, password };
  users.push(u);
  return u;
}
addUser('admin1', 'LEE Siu Ming', ['bd_admin']);
addUser('req1', 'CHAN Tai Man', ['requester']);
addUser('bm1', 'WONG Mei Ling', ['business_manager']);
addUser('bm2', 'HO Ka Yan', ['business_manager']);

const sessions = new Map(); // cookie → {user, csrf}
const apps = [];
const certs = [];
const revs = [];
const keyReqs = [];
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const pub = (u) => ({ id: u.id, username: u.username, name: u.name, email: u.email, roles: u.roles, locked: u.locked });

function err(res, status, code, message) {
  send(res, status, { error: { code, message } });
}
function send(res, status, body, headers = {}) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(data);
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
function serveStatic(req, res) {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/') p = '/index.html';
  const file = path.resolve(webDir, `.${p}`);
  if (!file.startsWith(webDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('not found');
  }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

async function body(req) {
  let s = '';
  for await (const c of req) s += c;
  if (!s) return {};
  return JSON.parse(s);
}

function addWorkingDays(d, n) {
  const x = new Date(d);
  while (n > 0) {
    x.setUTCDate(x.getUTCDate() + 1);
    if (x.getUTCDay() !== 0 && x.getUTCDay() !== 6) n--;
  }
  return x.toISOString().slice(0, 10) + 'T15:59:59Z';
}

// A page of a list as the real service answers (docs/ra-api.md "Lists"): q searches the
// row's JSON, the list's filters compare a member, sort/order/page/per_page as there.
function listPage(url, rows, me) {
  const a = url.searchParams;
  let list = rows;
  const q = (a.get('q') || '').toLowerCase();
  if (q) list = list.filter((r) => JSON.stringify(r).toLowerCase().includes(q));
  for (const k of ['status', 'cert_type']) if (a.get(k)) list = list.filter((r) => r[k] === a.get(k));
  if (a.get('mine') === '1') list = list.filter((r) => r.requested_by === me.username);
  if (a.get('decided_by_me') === '1') list = list.filter((r) => r.decided_by === me.username);
  const sort = a.get('sort') || 'id';
  const dir = a.get('order') === 'asc' ? 1 : -1;
  list = [...list].sort((x, y) => (x[sort] > y[sort] ? dir : x[sort] < y[sort] ? -dir : 0));
  const per = Math.min(100, Number(a.get('per_page')) || 25);
  const page = Math.max(1, Number(a.get('page')) || 1);
  return { items: list.slice((page - 1) * per, page * per), total: list.length, page, per_page: per, pages: Math.ceil(list.length / per) };
}

async function api(req, res, url) {
  const cookie = (req.headers.cookie || '').match(/gcert_ra_session=([0-9a-f]+)/);
  const sess = cookie ? sessions.get(cookie[1]) : null;
  const me = sess ? sess.user : null;
  const m = req.method;
  const p = url.pathname;
  let b = {};
  if (m !== 'GET') {
    try { b = await body(req); } catch (e) { return err(res, 400, 'GC_E_RA_JSON', 'request body: not valid JSON'); }
  }
  if (m === 'POST' && p === '/api/login') {
    const u = users.find((x) => x.username === b.username);
    if (u && u.locked) return err(res, 423, 'GC_E_RA_LOCKED', `user ${u.username}: account locked after repeated failed logins; a B/D administrator must unlock it`);
    if (!u || u.password !== b.password) {
      if (u && ++u.failures >= 5) u.locked = true;
      return err(res, 401, 'GC_E_RA_LOGIN', 'wrong user name or password');
    }
    u.failures = 0;
    const token = crypto.randomBytes(32).toString('hex');
    const csrf = crypto.randomBytes(16).toString('hex');
    sessions.set(token, { user: u, csrf });
    return send(res, 200, { ...pub(u), org, csrf }, { 'Set-Cookie': `gcert_ra_session=${token}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (!me) return err(res, 401, 'GC_E_RA_AUTH', 'not logged in');
  if (m !== 'GET' && req.headers['x-csrf-token'] !== sess.csrf) return err(res, 403, 'GC_E_RA_CSRF', 'X-CSRF-Token missing or wrong');
  const has = (r) => me.roles.includes(r);
  let mm;
  if (m === 'POST' && p === '/api/logout') { sessions.delete(cookie[1]); return send(res, 200, {}); }
  if (m === 'GET' && p === '/api/me') return send(res, 200, { ...pub(me), org, csrf: sess.csrf });
  if (m === 'GET' && p === '/api/orgs') return send(res, 200, [org]);
  if (p === '/api/users') {
    if (!has('bd_admin')) return err(res, 403, 'GC_E_RA_ROLE', 'only a B/D administrator manages users');
    if (m === 'GET') return send(res, 200, listPage(url, users.map(pub), me));
    if (!b.username || !b.password || !b.name) return err(res, 400, 'GC_E_RA_INPUT', 'username, name and password are required');
    if (users.some((x) => x.username === b.username)) return err(res, 409, 'GC_E_RA_EXISTS', `username ${b.username}: already taken`);
    const roles = b.roles || [];
    if (roles.includes('requester') && roles.includes('business_manager')) return err(res, 403, 'GC_E_RA_SOD', 'CPS §2.1.3 c: a user cannot be both requester and business_manager');
    return send(res, 201, pub(addUser(b.username, b.name, roles, b.password, b.email)));
  }
  if ((mm = p.match(/^\/api\/users\/(\d+)\/(roles|unlock)$/)) && m === 'POST') {
    if (!has('bd_admin')) return err(res, 403, 'GC_E_RA_ROLE', 'only a B/D administrator manages users');
    const u = users.find((x) => x.id === Number(mm[1]));
    if (!u) return err(res, 404, 'GC_E_RA_NOT_FOUND', `user ${mm[1]}: no such user`);
    if (mm[2] === 'unlock') { u.locked = false; u.failures = 0; return send(res, 200, pub(u)); }
    const roles = b.roles || [];
    if (roles.includes('requester') && roles.includes('business_manager')) return err(res, 403, 'GC_E_RA_SOD', 'CPS §2.1.3 c: a user cannot be both requester and business_manager');
    u.roles = roles;
    return send(res, 200, pub(u));
  }
  if (p === '/api/applications' && m === 'POST') {
    if (!has('requester')) return err(res, 403, 'GC_E_RA_ROLE', 'only a requester submits applications');
    if (b.terms_accepted !== true) return err(res, 400, 'GC_E_RA_TERMS', 'terms_accepted: the subscriber terms must be accepted');
    if (![1, 2, 3].includes(b.validity_years)) return err(res, 400, 'GC_E_RA_INPUT', 'validity_years must be 1 to 3 (CPS §1.2.5)');
    if (!b.subject || !b.subject.name) return err(res, 400, 'GC_E_RA_INPUT', 'subject.name is required');
    if (b.subject.name.startsWith('x')) return err(res, 400, 'GC_E_RA_INPUT', 'subject.name: must not start with x (mock rule)');
    const id = apps.length + 1;
    const a = { id, applicant_id: `A${String(id).padStart(9, '0')}`, status: 'pending', cert_type: b.cert_type, validity_years: b.validity_years,
      subject: b.subject, requested_by: me.username, requested_at: now(), decided_by: null, decided_at: null, reason: null, serial: null, error: null, renews: b.renews || null };
    apps.push(a);
    return send(res, 201, a);
  }
  if (p === '/api/applications' && m === 'GET') return send(res, 200, listPage(url, apps, me));
  if ((mm = p.match(/^\/api\/applications\/(\d+)(?:\/(approve|reject))?$/))) {
    const a = apps[Number(mm[1]) - 1];
    if (!a) return err(res, 404, 'GC_E_RA_NOT_FOUND', `application ${mm[1]}: no such application`);
    if (m === 'GET' && !mm[2]) return send(res, 200, a);
    if (!has('business_manager')) return err(res, 403, 'GC_E_RA_ROLE', `application ${a.id}: only a business manager of the B/D approves (CPS §3.1.8)`);
    if (a.status !== 'pending') return err(res, 409, 'GC_E_RA_STATE', `application ${a.id}: already ${a.status}`);
    if (mm[2] === 'reject') {
      if (!b.reason) return err(res, 400, 'GC_E_RA_INPUT', 'reason is required');
      Object.assign(a, { status: 'rejected', reason: b.reason, decided_by: me.username, decided_at: now() });
      return send(res, 200, a);
    }
    if (!/^[A-Za-z0-9()]{1,4}$/.test(b.proof_ref_last4 || '')) return err(res, 400, 'GC_E_REQUEST_FIELD', 'proof_ref_last4: letters, digits and brackets only, at most four');
    const want = { civil_servant: 'government_personnel_records', direct_contract: 'government_personnel_records', agency_contract: 'employment_records', resident_contractor: 'contractor_agreement' }[b.staff_category];
    if (want && b.record_checked !== want) return err(res, 400, 'GC_E_REQUEST_FIELD', `record_checked: staff category ${b.staff_category} is verified against ${want} (CPS §3.1.8.1), not ${b.record_checked}`);
    const serial = crypto.randomBytes(20).toString('hex').replace(/^[89a-f]/, '3');
    const nb = new Date();
    const na = new Date(nb); na.setUTCFullYear(na.getUTCFullYear() + a.validity_years);
    const pem = `-----BEGIN CERTIFICATE-----\n${crypto.randomBytes(96).toString('base64')}\n-----END CERTIFICATE-----\n`;
    certs.push({ serial, subject_cn: a.subject.name, cert_type: a.cert_type, status: 'active', not_before: nb.toISOString().replace(/\.\d+Z/, 'Z'),
      not_after: na.toISOString().replace(/\.\d+Z/, 'Z'), bound_to: { application: a.id }, pem });
    Object.assign(a, { status: 'issued', serial, decided_by: me.username, decided_at: now() });
    return send(res, 200, a);
  }
  if (p === '/api/certificates' && m === 'GET') return send(res, 200, listPage(url, certs.map(({ pem, ...c }) => c), me));
  if ((mm = p.match(/^\/api\/certificates\/([0-9a-f]+)$/)) && m === 'GET') {
    const c = certs.find((x) => x.serial === mm[1]);
    return c ? send(res, 200, c) : err(res, 404, 'GC_E_RA_NOT_FOUND', `certificate ${mm[1]}: unknown`);
  }
  if (p === '/api/revocations' && m === 'POST') {
    if (!has('requester')) return err(res, 403, 'GC_E_RA_ROLE', 'only a requester asks for revocation');
    const c = certs.find((x) => x.serial === b.serial);
    if (!c) return err(res, 404, 'GC_E_RA_NOT_FOUND', `certificate ${b.serial}: unknown`);
    if (c.status !== 'active') return err(res, 409, 'GC_E_RA_STATE', `certificate ${b.serial}: ${c.status}`);
    c.status = 'revocation_pending';
    const r = { id: revs.length + 1, serial: c.serial, reason: b.reason, note: b.note || null, status: 'pending', requested_by: me.username,
      requested_at: now(), due: addWorkingDays(new Date(), 2), overdue: false };
    revs.push(r);
    return send(res, 201, r);
  }
  if (p === '/api/revocations' && m === 'GET') return send(res, 200, listPage(url, revs, me));
  if ((mm = p.match(/^\/api\/revocations\/(\d+)\/(approve|reject)$/)) && m === 'POST') {
    const r = revs[Number(mm[1]) - 1];
    if (!r) return err(res, 404, 'GC_E_RA_NOT_FOUND', `revocation ${mm[1]}: unknown`);
    if (!has('business_manager')) return err(res, 403, 'GC_E_RA_ROLE', 'only a business manager approves revocations');
    if (r.status !== 'pending') return err(res, 409, 'GC_E_RA_STATE', `revocation ${r.id}: already ${r.status}`);
    const c = certs.find((x) => x.serial === r.serial);
    if (mm[2] === 'reject') {
      if (!b.reason) return err(res, 400, 'GC_E_REQUEST_FIELD', 'reason: required');
      Object.assign(r, { status: 'rejected', decided_by: me.username, decided_at: now(), decision_reason: b.reason });
      c.status = 'active';
      return send(res, 200, r);
    }
    Object.assign(r, { status: 'revoked', decided_by: me.username, decided_at: now() }); // the mock CA answers at once
    c.status = 'revoked';
    return send(res, 200, r);
  }
  const officer = has('bd_admin') || has('business_manager');
  if (p === '/api/key-requests' && m === 'GET') return send(res, 200, listPage(url, keyReqs.map(({ approvers, ...k }) => k), me));
  if (p === '/api/notifications' && m === 'GET') return send(res, 200, listPage(url, [], me));
  if (p === '/api/notifications/read' && m === 'POST') return send(res, 200, { marked_read: 0 });
  if (p === '/api/me/lang' && m === 'POST') { me.lang = b.lang; return send(res, 200, pub(me)); }
  if (p === '/api/key-requests' && m === 'POST') {
    if (!officer) return err(res, 403, 'GC_E_RA_FORBIDDEN', 'key-requests: only a B/D administrator or business manager asks for a key (App. E II)');
    if (!certs.some((c) => c.serial === b.serial)) return err(res, 404, 'GC_E_NOT_FOUND', `serial: ${b.serial} is no certificate of your B/D`);
    if (!b.reason) return err(res, 400, 'GC_E_REQUEST_FIELD', 'reason: required');
    const k = { id: keyReqs.length + 1, serial: b.serial, status: 'pending', asked_by: me.username, reason: b.reason, created_at: now(), approvals: 0, approvers: [] };
    keyReqs.push(k);
    return send(res, 201, k);
  }
  if ((mm = p.match(/^\/api\/key-requests\/(\d+)\/(approve|export)$/)) && m === 'POST') {
    const k = keyReqs[Number(mm[1]) - 1];
    if (!k) return err(res, 404, 'GC_E_NOT_FOUND', `key request ${mm[1]}: no such request`);
    if (mm[2] === 'approve') {
      if (!officer) return err(res, 403, 'GC_E_RA_FORBIDDEN', `key request ${k.id}: only a B/D administrator or business manager approves`);
      if (k.asked_by === me.username) return err(res, 403, 'GC_E_RA_SOD', `key request ${k.id}: the one who asked never approves (App. E II)`);
      if (k.status !== 'pending') return err(res, 409, 'GC_E_RA_STATE', `key request ${k.id}: is ${k.status}, not pending`);
      if (k.approvers.includes(me.username)) return err(res, 409, 'GC_E_RA_STATE', `key request ${k.id}: you approved it already; a second officer must`);
      k.approvers.push(me.username);
      k.approvals = k.approvers.length;
      if (k.approvals >= 2) k.status = 'approved';
      const { approvers, ...out } = k;
      return send(res, 200, out);
    }
    if (k.asked_by !== me.username) return err(res, 403, 'GC_E_RA_FORBIDDEN', `key request ${k.id}: only the officer who asked exports`);
    if (k.status !== 'approved') return err(res, 409, 'GC_E_RA_STATE', `key request ${k.id}: is ${k.status}; it needs two approvals`);
    if (!b.passphrase || b.passphrase.length < 10) return err(res, 400, 'GC_E_REQUEST_FIELD', 'passphrase: at least 10 characters');
    k.status = 'exported';
    res.writeHead(200, { 'Content-Type': 'application/x-pkcs12', 'Content-Disposition': `attachment; filename="${k.serial}.p12"` });
    return res.end(crypto.randomBytes(64)); // not a real PKCS#12: the mock has no keys
  }
  return err(res, 404, 'GC_E_RA_NOT_FOUND', `${m} ${p}: no such API`);
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/')) {
    api(req, res, url).catch((e) => err(res, 500, 'GC_E_INTERNAL', e.message));
  } else {
    serveStatic(req, res);
  }
}).listen(port, '127.0.0.1', () => console.log(`mock RA on http://127.0.0.1:${port}/`));
