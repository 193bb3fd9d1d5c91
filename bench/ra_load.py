#!/usr/bin/env python3
"""bench/ra_load.py RA_URL SECONDS SESSIONS USERS_FILE APPROVER PASSWORD_PREFIX

SESSIONS concurrent sessions of the RA's web API (one requester each, from USERS_FILE,
one name a line) browse and apply for SECONDS: GET /api/me, the applications list, a new
application, that application, the certificates list, in a loop. Meanwhile one business
manager (APPROVER) approves the applications one after another: each approval waits on
the CA. Prints one JSON object: per-call latency of the sessions' calls (p50, p99, max,
ms), their count and failures; the 20 logins at the start (a costly password hash each)
apart; the approvals' count and latency."""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

url = urlparse(sys.argv[1])
seconds, sessions = float(sys.argv[2]), int(sys.argv[3])
users = [u.strip() for u in open(sys.argv[4]) if u.strip()][:sessions]
approver, prefix = sys.argv[5], sys.argv[6]
APP = {"cert_type": "individual", "validity_years": 2, "terms_accepted": True,
       "subject": {"name": "CHAN Tai Man David", "email": "tmchan@example.gov.hk",
                   "branch": "Infrastructure Division", "branch_abbr": "INFRA",
                   "branch_zh": "基礎設施科", "category": "Civil Servant"}, "renews": None}
APPROVE = {"staff_category": "civil_servant", "proof_type": "hkid",
           "record_checked": "government_personnel_records", "proof_ref_last4": "123A"}


class Session:
    def __init__(self, user):
        self.user, self.cookie, self.csrf = user, None, None

    def call(self, method, path, body=None, timeout=600):
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        h = {"Content-Type": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        t0 = time.monotonic()
        c.request(method, path, json.dumps(body) if body is not None else None, h)
        r = c.getresponse()
        data = r.read()
        ms = (time.monotonic() - t0) * 1000
        ck = r.getheader("Set-Cookie")
        c.close()
        if ck:
            self.cookie = ck.split(";")[0]
        return r.status, data, ms

    def login(self):
        st, data, ms = self.call("POST", "/api/login", {"username": self.user, "password": prefix + self.user + "-secret"})
        assert st == 200, (self.user, st, data)
        self.csrf = json.loads(data)["csrf"]
        return ms


lat, fails, lock, logins = [], [0], threading.Lock(), []
approvals, pending = [], []
stop = time.monotonic() + seconds


def note(ms, ok):
    with lock:
        lat.append(ms)
        if not ok:
            fails[0] += 1


def browse(user):
    s = Session(user)
    ms = s.login()  # the password hash: counted apart
    with lock:
        logins.append(ms)
    while time.monotonic() < stop:
        st, _, ms = s.call("GET", "/api/me"); note(ms, st == 200)
        st, _, ms = s.call("GET", "/api/applications"); note(ms, st == 200)
        st, data, ms = s.call("POST", "/api/applications", APP); note(ms, st == 201)
        if st == 201:
            app = json.loads(data)["id"]
            with lock:
                pending.append(app)
            st, _, ms = s.call("GET", "/api/applications/%d" % app); note(ms, st == 200)
        st, _, ms = s.call("GET", "/api/certificates"); note(ms, st == 200)


def approve():
    s = Session(approver)
    s.login()
    while time.monotonic() < stop:
        with lock:
            app = pending.pop(0) if pending else None
        if app is None:
            time.sleep(0.05)
            continue
        st, data, ms = s.call("POST", "/api/applications/%d/approve" % app, APPROVE)
        with lock:
            approvals.append((ms, st, json.loads(data).get("status") if st == 200 else None))


threads = [threading.Thread(target=browse, args=(u,)) for u in users] + [threading.Thread(target=approve)]
for t in threads:
    t.start()
for t in threads:
    t.join()


def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(p / 100 * len(v)))], 1) if v else None


am = [a[0] for a in approvals]
print(json.dumps({"sessions": len(users), "seconds": seconds, "calls": len(lat), "failed": fails[0],
                  "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": round(max(lat), 1) if lat else None,
                  "login_p50_ms": pct(logins, 50), "login_max_ms": round(max(logins), 1) if logins else None,
                  "approvals": len(approvals), "approvals_issued": sum(1 for a in approvals if a[2] == "issued"),
                  "approval_p50_ms": pct(am, 50), "approval_max_ms": round(max(am), 1) if am else None}))
