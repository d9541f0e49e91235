// libpq is loaded on first use (dlopen), not linked: see clibpq.h. Each function below forwards to the library's
// own, found with dlsym when clibpq_load first succeeds.
#include "clibpq.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    PGconn *(*connectdb)(const char *);
    ConnStatusType (*status)(const PGconn *);
    char *(*error_message)(const PGconn *);
    void (*finish)(PGconn *);
    PGresult *(*exec)(PGconn *, const char *);
    PGresult *(*exec_params)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int);
    void (*clear)(PGresult *);
    ExecStatusType (*result_status)(const PGresult *);
    char *(*result_error_field)(const PGresult *, int);
    int (*ntuples)(const PGresult *);
    int (*nfields)(const PGresult *);
    char *(*fname)(const PGresult *, int);
    int (*getisnull)(const PGresult *, int, int);
    char *(*getvalue)(const PGresult *, int, int);
    Oid (*ftype)(const PGresult *, int);
    PGcancel *(*get_cancel)(PGconn *);
    void (*free_cancel)(PGcancel *);
    int (*cancel)(PGcancel *, char *, int);
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void *need(void *library, const char *name, int *missing) {
    void *f = dlsym(library, name);
    if (!f && !*missing) {
        snprintf(load_error, sizeof load_error, "libpq has no %s", name);
        *missing = 1;
    }
    return f;
}

static void load(void) {
    void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libpq.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "cannot load libpq (%s); install libpq5 (Debian: apt-get install libpq5)", dlerror());
        return;
    }
    int missing = 0;
    api.connectdb = need(lib, "PQconnectdb", &missing);
    api.status = need(lib, "PQstatus", &missing);
    api.error_message = need(lib, "PQerrorMessage", &missing);
    api.finish = need(lib, "PQfinish", &missing);
    api.exec = need(lib, "PQexec", &missing);
    api.exec_params = need(lib, "PQexecParams", &missing);
    api.clear = need(lib, "PQclear", &missing);
    api.result_status = need(lib, "PQresultStatus", &missing);
    api.result_error_field = need(lib, "PQresultErrorField", &missing);
    api.ntuples = need(lib, "PQntuples", &missing);
    api.nfields = need(lib, "PQnfields", &missing);
    api.fname = need(lib, "PQfname", &missing);
    api.getisnull = need(lib, "PQgetisnull", &missing);
    api.getvalue = need(lib, "PQgetvalue", &missing);
    api.ftype = need(lib, "PQftype", &missing);
    api.get_cancel = need(lib, "PQgetCancel", &missing);
    api.free_cancel = need(lib, "PQfreeCancel", &missing);
    api.cancel = need(lib, "PQcancel", &missing);
    if (missing) api.connectdb = NULL;
}

int clibpq_load(char *error, size_t size) {
    pthread_once(&load_once, load);
    if (api.connectdb) return 0;
    if (error && size) snprintf(error, size, "%s", load_error);
    return -1;
}

PGconn *PQconnectdb(const char *conninfo) { return api.connectdb(conninfo); }
ConnStatusType PQstatus(const PGconn *conn) { return api.status(conn); }
char *PQerrorMessage(const PGconn *conn) { return api.error_message(conn); }
void PQfinish(PGconn *conn) { if (conn) api.finish(conn); }
PGresult *PQexec(PGconn *conn, const char *query) { return api.exec(conn, query); }
PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                       const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) {
    return api.exec_params(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
}
void PQclear(PGresult *res) { if (res) api.clear(res); }
ExecStatusType PQresultStatus(const PGresult *res) { return api.result_status(res); }
char *PQresultErrorField(const PGresult *res, int fieldcode) { return api.result_error_field(res, fieldcode); }
int PQntuples(const PGresult *res) { return api.ntuples(res); }
int PQnfields(const PGresult *res) { return api.nfields(res); }
char *PQfname(const PGresult *res, int field_num) { return api.fname(res, field_num); }
int PQgetisnull(const PGresult *res, int tup_num, int field_num) { return api.getisnull(res, tup_num, field_num); }
char *PQgetvalue(const PGresult *res, int tup_num, int field_num) { return api.getvalue(res, tup_num, field_num); }
Oid PQftype(const PGresult *res, int field_num) { return api.ftype(res, field_num); }
PGcancel *PQgetCancel(PGconn *conn) { return api.get_cancel(conn); }
void PQfreeCancel(PGcancel *cancel) { if (cancel) api.free_cancel(cancel); }
int PQcancel(PGcancel *cancel, char *errbuf, int errbufsize) { return api.cancel(cancel, errbuf, errbufsize); }
