/*
 * spool.h - batch mode of the system interface (SPEC §3 step 5): the RA drops request
 * files into an inbox, the CA writes result files to an outbox.
 *
 * The RA writes NAME.tmp and renames it to NAME.req when complete, so a half-written file
 * is never read: only *.req files are taken. The result is written atomically to
 * OUTBOX/NAME.res, then the request is moved to INBOX/done/. A crash anywhere leaves the
 * .req in place; processing it again answers from what was stored (the same bytes give
 * the stored result file; requests already issued give their certificates), so nothing
 * is issued twice.
 */
#ifndef GCERT_CA_SPOOL_H
#define GCERT_CA_SPOOL_H

#include "ca/interface.h"

struct gc_spool_stats {
	size_t files, rejected_files, requests_accepted, requests_rejected, requests_replayed;
};

/* Processes every complete request file in inbox once, in name order. */
gc_result gc_spool_run_once(struct gc_ca *, const char *inbox, const char *outbox,
                            const struct gc_iface_limits *, struct gc_spool_stats *) GC_MUST_CHECK;

#endif
