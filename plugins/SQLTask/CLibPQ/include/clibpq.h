#ifndef CLIBPQ_H
#define CLIBPQ_H
// The part of PostgreSQL's libpq (libpq-fe.h, soname libpq.so.5) the sql task's postgres dialect calls. libpq is
// loaded on first use (clibpq_load), not linked, so a `sluice` that runs no postgres task never loads it and the
// libraries it pulls in (Kerberos, LDAP, OpenSSL). The declarations follow libpq-fe.h; its ABI is stable in soname 5.
#include <stddef.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef struct pg_cancel PGcancel;
typedef unsigned int Oid;

typedef enum { CONNECTION_OK, CONNECTION_BAD } ConnStatusType;
typedef enum {
    PGRES_EMPTY_QUERY = 0, PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_OUT, PGRES_COPY_IN, PGRES_BAD_RESPONSE,
    PGRES_NONFATAL_ERROR, PGRES_FATAL_ERROR
} ExecStatusType;

/// Loads libpq once; 0 when it is there, else -1 with the reason in `error`. Call it before any other function here.
int clibpq_load(char *error, size_t size);

PGconn *PQconnectdb(const char *conninfo);
ConnStatusType PQstatus(const PGconn *conn);
char *PQerrorMessage(const PGconn *conn);
void PQfinish(PGconn *conn);
PGresult *PQexec(PGconn *conn, const char *query);
PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                       const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
void PQclear(PGresult *res);
ExecStatusType PQresultStatus(const PGresult *res);
char *PQresultErrorField(const PGresult *res, int fieldcode);
int PQntuples(const PGresult *res);
int PQnfields(const PGresult *res);
char *PQfname(const PGresult *res, int field_num);
int PQgetisnull(const PGresult *res, int tup_num, int field_num);
char *PQgetvalue(const PGresult *res, int tup_num, int field_num);
Oid PQftype(const PGresult *res, int field_num);
PGcancel *PQgetCancel(PGconn *conn);
void PQfreeCancel(PGcancel *cancel);
int PQcancel(PGcancel *cancel, char *errbuf, int errbufsize);

// The diagnostic field codes (PG_DIAG_* in postgres_ext.h).
static inline int clibpq_diag_sqlstate(void) { return 'C'; }
static inline int clibpq_diag_message(void) { return 'M'; }
static inline int clibpq_diag_position(void) { return 'P'; }
static inline int clibpq_diag_detail(void) { return 'D'; }
#endif
