// i18n.js - every label of the RA web UI, in English and Traditional Chinese (issue 6).
// One dictionary object: a key missing from one language is a bug (tests/browser checks
// that both languages have the same keys). Chinese terms follow the Chinese CPS text:
// 提出要求者 (Requester), 業務管理人員 (Business Manager), 決策局／部門／辦公室 (B/D),
// 政府電子證書（個人）/（功能單位）, 登記人條款及條件 (subscriber terms), §3.1.8.1's
// staff categories and records.

export const LANGS = [
  { code: 'en', html: 'en', label: 'English' },
  { code: 'zh-Hant', html: 'zh-Hant', label: '繁體中文' },
];

export const dict = {
  en: {
    'app.title': 'g-Cert Registration (CMMP)',
    'app.skip': 'Skip to main content',
    'lang.switch': '中文',
    'lang.switch_label': 'Language / 語言',
    'nav.label': 'Main',
    'nav.requests': 'My requests',
    'nav.approvals': 'Approvals waiting',
    'nav.certificates': 'Certificates',
    'nav.users': 'Users',
    'nav.custody': 'Key custody',
    'nav.logout': 'Log out',
    'me.signed_in': 'Signed in as {name} ({org})',
    'role.requester': 'Requester',
    'role.business_manager': 'Business Manager',
    'role.bd_admin': 'B/D administrator',
    'role.none': 'No duty',
    'common.loading': 'Loading…',
    'common.none': 'Nothing here.',
    'common.error': 'Error',
    'common.saved': 'Saved.',
    'common.cancel': 'Cancel',
    'common.required': 'This field is required.',
    'common.yes': 'yes',
    'common.no': 'no',
    'common.actions': 'Actions',
    'common.id': 'No.',
    'common.status': 'Status',
    'common.reason': 'Reason',
    'common.refresh': 'Refresh',
    'common.not_logged_in': 'Your session has ended. Please log in again.',
    'common.network': 'The RA service could not be reached.',
    'common.forbidden_page': 'This page is for {role} only.',

    'login.heading': 'Log in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.intro': 'Log in with your CMMP account. After repeated failed attempts the account is locked until your B/D administrator unlocks it.',

    'req.heading': 'My requests',
    'req.apply_heading': 'Apply for a g-Cert',
    'req.renew_heading': 'Renew certificate {serial}',
    'req.renew_note': 'A renewal is a new application: the applicant\'s identity is verified again and a new key pair is generated (CPS §3.2).',
    'req.cert_type': 'Certificate type',
    'req.validity': 'Validity',
    'req.validity_years': '{n} year(s)',
    'req.subject_name': 'Name on the certificate',
    'req.subject_name_hint': 'For an individual: the name on the identity document. For a functional unit: the unit\'s name.',
    'req.email': 'Email address (optional)',
    'req.branch': 'Branch / division (English)',
    'req.branch_abbr': 'Branch abbreviation',
    'req.branch_zh': 'Branch / division (Chinese)',
    'req.category': 'Category of user or functional unit',
    'req.terms': 'On the applicant\'s behalf, I confirm that the applicant accepts the subscriber terms and conditions and the publication of the certificate in the repository (CPS §4.1.2).',
    'req.submit': 'Submit application',
    'req.submit_renewal': 'Submit renewal',
    'req.submitted': 'Application {id} submitted; it waits for a Business Manager.',
    'req.list_heading': 'Applications I submitted',
    'req.col_applicant': 'Applicant no.',
    'req.col_subject': 'Name',
    'req.col_type': 'Type',
    'req.col_validity': 'Validity',
    'req.col_requested': 'Requested',
    'req.col_serial': 'Certificate',
    'req.renew': 'Renew',
    'req.revoke': 'Request revocation',
    'req.revoke_heading': 'Request revocation of {serial}',
    'req.revoke_reason': 'Reason for revocation',
    'req.revoke_note': 'Note (optional)',
    'req.revoke_submit': 'Send revocation request',
    'req.revoke_sent': 'Revocation request {id} sent; a Business Manager must approve it by {due}.',
    'req.certs_heading': 'Certificates of my B/D',

    'appr.heading': 'Approvals waiting',
    'appr.apps_heading': 'Applications waiting for approval',
    'appr.revs_heading': 'Revocation requests waiting for approval',
    'appr.verify_legend': 'Identity verification (CPS §3.1.8)',
    'appr.staff_category': 'Staff category (CPS §3.1.8.1)',
    'appr.proof_type': 'Proof of identity',
    'appr.record_checked': 'Record checked against',
    'appr.last4': 'Last four characters of the proof number',
    'appr.last4_hint': 'Only the last four characters are kept: never enter a full HKID or passport number.',
    'appr.last4_bad': 'Enter exactly four letters, digits or brackets.',
    'appr.approve': 'Approve',
    'appr.reject': 'Reject',
    'appr.reject_reason': 'Reason for rejection',
    'appr.approved': 'Application {id} approved: {status}.',
    'appr.rejected': 'Application {id} rejected.',
    'appr.rev_approved': 'Revocation {id} approved: the certificate is no longer used and the request was sent to the CA.',
    'appr.rev_rejected': 'Revocation {id} rejected.',
    'appr.col_due': 'Approve by',
    'appr.overdue': 'Overdue',
    'appr.on_time': 'On time',
    'appr.requested_by': 'Requested by',
    'appr.details': 'Application {id}: {name}',
    'appr.renews': 'Renews certificate',

    'certs.heading': 'Certificates',
    'certs.col_serial': 'Serial number',
    'certs.col_subject': 'Subject',
    'certs.col_type': 'Type',
    'certs.col_not_before': 'Valid from',
    'certs.col_not_after': 'Valid to',
    'certs.download': 'Download PEM',
    'certs.download_label': 'Download PEM of {serial}',

    'users.heading': 'Users',
    'users.add_heading': 'Add a user',
    'users.username': 'User name',
    'users.name': 'Full name',
    'users.email': 'Email address',
    'users.password': 'Initial password',
    'users.duty': 'CMMP duty',
    'users.duty_note': 'A user is a Requester or a Business Manager, never both (CPS §2.1.3 c).',
    'users.admin': 'Also B/D administrator',
    'users.add': 'Add user',
    'users.added': 'User {username} added.',
    'users.col_username': 'User name',
    'users.col_name': 'Name',
    'users.col_roles': 'Roles',
    'users.col_locked': 'Locked',
    'users.set_roles': 'Save duty',
    'users.duty_of': 'Duty of {username}',
    'users.unlock': 'Unlock',
    'users.unlocked': 'User {username} unlocked.',
    'users.roles_saved': 'Roles of {username} saved.',

    'custody.heading': 'Key custody (CPS App. E II)',
    'custody.request_heading': 'Ask for a subscriber key',
    'custody.serial': 'Certificate serial number',
    'custody.reason': 'Reason',
    'custody.request': 'Ask',
    'custody.requested': 'Key request {id} recorded; two other officers of the B/D must approve it.',
    'custody.approve_heading': 'Approve a key request',
    'custody.id': 'Key request number',
    'custody.approve': 'Approve',
    'custody.approved': 'Key request {id} approved.',
    'custody.export_heading': 'Export an approved key',
    'custody.passphrase': 'Passphrase to encrypt the PKCS#12 file',
    'custody.export': 'Export',
    'custody.exported': 'Key of request {id} exported.',

    'type.individual': 'g-Cert (Individual)',
    'type.functional_unit': 'g-Cert (Functional Unit)',

    'status.pending': 'Pending approval',
    'status.approved': 'Approved',
    'status.submitted': 'Sent to the CA',
    'status.issued': 'Issued',
    'status.rejected': 'Rejected',
    'status.failed': 'Refused by the CA',
    'status.active': 'Active',
    'status.revocation_pending': 'Revocation pending',
    'status.revoked': 'Revoked',
    'status.expired': 'Expired',
    'status.sent': 'Revocation sent to the CA',

    'staff.civil_servant': 'Civil servant',
    'staff.direct_contract': 'Contract staff employed directly by the Government',
    'staff.agency_contract': 'Agency or individually employed contract staff (incl. T-contract IT staff)',
    'staff.resident_contractor': 'Resident staff under other contracts (e.g. outsourcing)',
    'proof.hkid': 'Hong Kong identity card',
    'proof.passport': 'Passport',
    'proof.bd_document': 'Other document the B/D uses to verify identity',
    'record.government_personnel_records': 'Personnel records kept by the Government',
    'record.employment_records': 'Employment records of the agency or the B/D\'s contract records',
    'record.contractor_agreement': 'Contract or agreement with the contractor',

    'reason.0': 'Unspecified',
    'reason.1': 'Key compromise (suspected)',
    'reason.3': 'Details or duties changed',
    'reason.4': 'Superseded',
    'reason.5': 'No longer needed',
  },

  'zh-Hant': {
    'app.title': '政府電子證書登記（中央管理通訊系統）',
    'app.skip': '跳至主要內容',
    'lang.switch': 'English',
    'lang.switch_label': '語言 / Language',
    'nav.label': '主選單',
    'nav.requests': '我的要求',
    'nav.approvals': '待批核',
    'nav.certificates': '證書',
    'nav.users': '用戶',
    'nav.custody': '密碼匙保管',
    'nav.logout': '登出',
    'me.signed_in': '已登入：{name}（{org}）',
    'role.requester': '提出要求者',
    'role.business_manager': '業務管理人員',
    'role.bd_admin': '決策局／部門／辦公室管理人員',
    'role.none': '沒有職務',
    'common.loading': '載入中…',
    'common.none': '沒有項目。',
    'common.error': '錯誤',
    'common.saved': '已儲存。',
    'common.cancel': '取消',
    'common.required': '必須填寫此欄。',
    'common.yes': '是',
    'common.no': '否',
    'common.actions': '操作',
    'common.id': '編號',
    'common.status': '狀態',
    'common.reason': '理由',
    'common.refresh': '重新整理',
    'common.not_logged_in': '登入時段已結束，請重新登入。',
    'common.network': '無法連接登記服務。',
    'common.forbidden_page': '此頁只供{role}使用。',

    'login.heading': '登入',
    'login.username': '用戶名稱',
    'login.password': '密碼',
    'login.submit': '登入',
    'login.intro': '請以中央管理通訊系統帳戶登入。多次登入失敗後，帳戶會被鎖定，直至所屬決策局／部門／辦公室管理人員解鎖。',

    'req.heading': '我的要求',
    'req.apply_heading': '申請政府電子證書',
    'req.renew_heading': '為證書 {serial} 續期',
    'req.renew_note': '續期即新的申請：須再次核實申請人的身份，並產生新的密碼匙對（核證作業準則第 3.2 條）。',
    'req.cert_type': '證書類別',
    'req.validity': '有效期',
    'req.validity_years': '{n} 年',
    'req.subject_name': '證書上的名稱',
    'req.subject_name_hint': '個人：身份證明文件上的姓名。功能單位：單位名稱。',
    'req.email': '電郵地址（可選填）',
    'req.branch': '科／組（英文）',
    'req.branch_abbr': '科／組簡稱',
    'req.branch_zh': '科／組（中文）',
    'req.category': '用戶或功能單位類別',
    'req.terms': '本人代表申請人確認，申請人接受登記人條款及條件，並同意證書於儲存庫公布（核證作業準則第 4.1.2 條）。',
    'req.submit': '提交申請',
    'req.submit_renewal': '提交續期',
    'req.submitted': '申請 {id} 已提交，正等待業務管理人員批核。',
    'req.list_heading': '我提交的申請',
    'req.col_applicant': '申請人編號',
    'req.col_subject': '名稱',
    'req.col_type': '類別',
    'req.col_validity': '有效期',
    'req.col_requested': '提出日期',
    'req.col_serial': '證書',
    'req.renew': '續期',
    'req.revoke': '要求撤銷',
    'req.revoke_heading': '要求撤銷證書 {serial}',
    'req.revoke_reason': '撤銷理由',
    'req.revoke_note': '備註（可選填）',
    'req.revoke_submit': '提交撤銷要求',
    'req.revoke_sent': '撤銷要求 {id} 已提交；業務管理人員須於 {due} 或之前批核。',
    'req.certs_heading': '本決策局／部門／辦公室的證書',

    'appr.heading': '待批核',
    'appr.apps_heading': '待批核的申請',
    'appr.revs_heading': '待批核的撤銷要求',
    'appr.verify_legend': '身份核實（核證作業準則第 3.1.8 條）',
    'appr.staff_category': '人員類別（第 3.1.8.1 條）',
    'appr.proof_type': '身份證明文件',
    'appr.record_checked': '核對的記錄',
    'appr.last4': '證明文件號碼的最後四個字元',
    'appr.last4_hint': '只保存最後四個字元：切勿輸入完整的身份證或護照號碼。',
    'appr.last4_bad': '請輸入四個字母、數字或括號。',
    'appr.approve': '批准',
    'appr.reject': '拒絕',
    'appr.reject_reason': '拒絕理由',
    'appr.approved': '申請 {id} 已批准：{status}。',
    'appr.rejected': '申請 {id} 已拒絕。',
    'appr.rev_approved': '撤銷要求 {id} 已批准：證書已停止使用，要求已送交核證機關。',
    'appr.rev_rejected': '撤銷要求 {id} 已拒絕。',
    'appr.col_due': '批核限期',
    'appr.overdue': '已逾期',
    'appr.on_time': '未逾期',
    'appr.requested_by': '提出要求者',
    'appr.details': '申請 {id}：{name}',
    'appr.renews': '續期的證書',

    'certs.heading': '證書',
    'certs.col_serial': '序號',
    'certs.col_subject': '主體',
    'certs.col_type': '類別',
    'certs.col_not_before': '有效期由',
    'certs.col_not_after': '有效期至',
    'certs.download': '下載 PEM',
    'certs.download_label': '下載 {serial} 的 PEM',

    'users.heading': '用戶',
    'users.add_heading': '新增用戶',
    'users.username': '用戶名稱',
    'users.name': '全名',
    'users.email': '電郵地址',
    'users.password': '初始密碼',
    'users.duty': '中央管理通訊系統職務',
    'users.duty_note': '用戶只可以是提出要求者或業務管理人員，不可兼任（核證作業準則第 2.1.3 條 c）。',
    'users.admin': '同時為決策局／部門／辦公室管理人員',
    'users.add': '新增用戶',
    'users.added': '已新增用戶 {username}。',
    'users.col_username': '用戶名稱',
    'users.col_name': '姓名',
    'users.col_roles': '角色',
    'users.col_locked': '已鎖定',
    'users.set_roles': '儲存職務',
    'users.duty_of': '{username} 的職務',
    'users.unlock': '解鎖',
    'users.unlocked': '用戶 {username} 已解鎖。',
    'users.roles_saved': '已儲存 {username} 的角色。',

    'custody.heading': '密碼匙保管（核證作業準則附錄 E II）',
    'custody.request_heading': '要求取得登記人的密碼匙',
    'custody.serial': '證書序號',
    'custody.reason': '理由',
    'custody.request': '提出要求',
    'custody.requested': '密碼匙要求 {id} 已記錄；須由本決策局／部門／辦公室另外兩名人員批核。',
    'custody.approve_heading': '批核密碼匙要求',
    'custody.id': '密碼匙要求編號',
    'custody.approve': '批准',
    'custody.approved': '密碼匙要求 {id} 已批准。',
    'custody.export_heading': '匯出已批核的密碼匙',
    'custody.passphrase': '加密 PKCS#12 檔案的通行短語',
    'custody.export': '匯出',
    'custody.exported': '已匯出要求 {id} 的密碼匙。',

    'type.individual': '政府電子證書（個人）',
    'type.functional_unit': '政府電子證書（功能單位）',

    'status.pending': '等待批核',
    'status.approved': '已批准',
    'status.submitted': '已送交核證機關',
    'status.issued': '已發出',
    'status.rejected': '已拒絕',
    'status.failed': '核證機關拒絕',
    'status.active': '有效',
    'status.revocation_pending': '等待撤銷',
    'status.revoked': '已撤銷',
    'status.expired': '已過期',
    'status.sent': '撤銷要求已送交核證機關',

    'staff.civil_servant': '公務員',
    'staff.direct_contract': '由政府直接聘用的合約僱員',
    'staff.agency_contract': '代理／個體聘用合約僱員（包括 T 合約資訊科技人員）',
    'staff.resident_contractor': '以其他合約安排聘用的常駐人員（例如外判合約）',
    'proof.hkid': '香港身份證',
    'proof.passport': '護照',
    'proof.bd_document': '決策局／部門／辦公室用於認證身份的其他文件',
    'record.government_personnel_records': '政府保存的人事記錄',
    'record.employment_records': '代理保存的聘用記錄或決策局／部門／辦公室的個體聘用合約記錄',
    'record.contractor_agreement': '與外判商訂立的合約或協議',

    'reason.0': '未有指明',
    'reason.1': '密碼匙外洩（或懷疑外洩）',
    'reason.3': '資料或職務有變',
    'reason.4': '已被取代',
    'reason.5': '不再需要',
  },
};

const STORE = 'gcert-ra-lang';
let current = 'en';
const listeners = [];

export function initLang() {
  let saved = null;
  try { saved = localStorage.getItem(STORE); } catch (e) { /* storage off */ }
  if (!saved && navigator.language && navigator.language.toLowerCase().startsWith('zh')) saved = 'zh-Hant';
  setLang(dict[saved] ? saved : 'en', false);
}

export function lang() { return current; }

export function setLang(code, notify = true) {
  if (!dict[code]) return;
  current = code;
  document.documentElement.lang = LANGS.find((l) => l.code === code).html;
  try { localStorage.setItem(STORE, code); } catch (e) { /* storage off */ }
  if (notify) listeners.forEach((f) => f(code));
}

export function onLangChange(f) { listeners.push(f); }

// t('req.revoke_heading', {serial: '3a…'}): the label in the current language with its
// {placeholders} filled; an unknown key shows as itself so a missing label is visible.
export function t(key, vars) {
  let s = dict[current][key];
  if (s === undefined) s = dict.en[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined || vars[k] === null ? m : String(vars[k])));
  return s;
}

// A date-time of the API (RFC 3339 UTC) shown in Hong Kong time, the B/Ds' clock.
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString(current === 'en' ? 'en-GB' : 'zh-HK', {
    timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit',
  });
}

export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleDateString(current === 'en' ? 'en-GB' : 'zh-HK', {
    timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit',
  });
}
