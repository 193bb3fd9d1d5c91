/*
 * alert.h - significant-event alerts (CPS §4.5.7: an automatic system reports significant
 * audit events to the right people). The audit trail is scanned after each command:
 * significant events (keys, pinning, configuration, backups, activation) and repeated
 * failures of one kind (§4.5.1 "repeated failed access") become mails in an outbox, in
 * the same transaction that advances the scan mark, so none is lost or sent twice by a
 * crash; the outbox is then sent, and what cannot be sent waits for the next try.
 */
#ifndef GCERT_CA_ALERT_H
#define GCERT_CA_ALERT_H

#include "ca/ca.h"

/* Queues the alerts for audit records not yet scanned. With alerts off (no smtp_url)
 * the mark just moves on: nobody is configured to be told. */
gc_result gc_alerts_scan(struct gc_ca *, long *queued) GC_MUST_CHECK;
/* Queues one alert that has no audit record of its own (e.g. a failed audit verify). */
gc_result gc_alerts_queue(struct gc_ca *, const char *subject, const char *body) GC_MUST_CHECK;
/* Sends what waits; stops at the first failure (the server is likely down) and keeps the
 * rest waiting. *sent and *waiting count the mails; fails with GC_E_SMTP if any waits. */
gc_result gc_alerts_send(struct gc_ca *, long *sent, long *waiting) GC_MUST_CHECK;

#endif
