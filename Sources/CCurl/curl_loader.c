// libcurl is loaded on first use (dlopen), not linked: a `sluice` command that speaks no HTTP (validate,
// status, a local run) starts without libcurl and the ~30 libraries it pulls in. The functions below are
// the libcurl entry points this package calls; each forwards to the library's own, found with dlsym.
#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_pause)(CURL *, int);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMcode (*multi_wakeup)(CURLM *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void *need(void *library, const char *name) {
    void *f = dlsym(library, name);
    if (!f) {
        fprintf(stderr, "sluice: libcurl has no %s\n", name);
        abort();
    }
    return f;
}

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "sluice: cannot load libcurl (%s); install libcurl4 (Debian: apt-get install libcurl4)\n", dlerror());
        abort();
    }
    api.global_init = need(lib, "curl_global_init");
    api.easy_init = need(lib, "curl_easy_init");
    api.easy_cleanup = need(lib, "curl_easy_cleanup");
    api.easy_setopt = need(lib, "curl_easy_setopt");
    api.easy_getinfo = need(lib, "curl_easy_getinfo");
    api.easy_pause = need(lib, "curl_easy_pause");
    api.easy_strerror = need(lib, "curl_easy_strerror");
    api.multi_init = need(lib, "curl_multi_init");
    api.multi_cleanup = need(lib, "curl_multi_cleanup");
    api.multi_setopt = need(lib, "curl_multi_setopt");
    api.multi_add_handle = need(lib, "curl_multi_add_handle");
    api.multi_remove_handle = need(lib, "curl_multi_remove_handle");
    api.multi_perform = need(lib, "curl_multi_perform");
    api.multi_poll = need(lib, "curl_multi_poll");
    api.multi_wakeup = need(lib, "curl_multi_wakeup");
    api.multi_info_read = need(lib, "curl_multi_info_read");
    api.slist_append = need(lib, "curl_slist_append");
    api.slist_free_all = need(lib, "curl_slist_free_all");
}

#define API (pthread_once(&load_once, load), api)

CURLcode ccurl_loaded_global_init(long flags) { return API.global_init(flags); }
CURLcode ccurl_loaded_easy_setopt_long(CURL *e, CURLoption o, long v) { return API.easy_setopt(e, o, v); }
CURLcode ccurl_loaded_easy_setopt_off(CURL *e, CURLoption o, curl_off_t v) { return API.easy_setopt(e, o, v); }
CURLcode ccurl_loaded_easy_setopt_ptr(CURL *e, CURLoption o, const void *v) { return API.easy_setopt(e, o, v); }
CURLcode ccurl_loaded_easy_getinfo_ptr(CURL *e, CURLINFO i, void *v) { return API.easy_getinfo(e, i, v); }
CURLMcode ccurl_loaded_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return API.multi_setopt(m, o, v); }

CURL *curl_easy_init(void) { return API.easy_init(); }
void curl_easy_cleanup(CURL *e) { API.easy_cleanup(e); }
CURLcode curl_easy_pause(CURL *e, int mask) { return API.easy_pause(e, mask); }
const char *curl_easy_strerror(CURLcode c) { return API.easy_strerror(c); }
CURLM *curl_multi_init(void) { return API.multi_init(); }
CURLMcode curl_multi_cleanup(CURLM *m) { return API.multi_cleanup(m); }
CURLMcode curl_multi_add_handle(CURLM *m, CURL *e) { return API.multi_add_handle(m, e); }
CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e) { return API.multi_remove_handle(m, e); }
CURLMcode curl_multi_perform(CURLM *m, int *running) { return API.multi_perform(m, running); }
CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd fds[], unsigned int n, int timeout, int *ret) {
    return API.multi_poll(m, fds, n, timeout, ret);
}
CURLMcode curl_multi_wakeup(CURLM *m) { return API.multi_wakeup(m); }
CURLMsg *curl_multi_info_read(CURLM *m, int *left) { return API.multi_info_read(m, left); }
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) { return API.slist_append(l, s); }
void curl_slist_free_all(struct curl_slist *l) { API.slist_free_all(l); }
