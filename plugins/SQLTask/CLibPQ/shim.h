// PostgreSQL's client library (libpq-dev) for the sql task's postgres dialect.
#include <libpq-fe.h>

// The diagnostic field codes are character macros Swift does not import.
static inline int clibpq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int clibpq_diag_message(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int clibpq_diag_position(void) { return PG_DIAG_STATEMENT_POSITION; }
static inline int clibpq_diag_detail(void) { return PG_DIAG_MESSAGE_DETAIL; }
