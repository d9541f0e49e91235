#include "ccurl.h"
#include <pthread.h>

// The loaded library's variadic entry points, one type each (curl_loader.c).
CURLcode ccurl_loaded_global_init(long flags);
CURLcode ccurl_loaded_easy_setopt_long(CURL *e, CURLoption o, long v);
CURLcode ccurl_loaded_easy_setopt_off(CURL *e, CURLoption o, curl_off_t v);
CURLcode ccurl_loaded_easy_setopt_ptr(CURL *e, CURLoption o, const void *v);
CURLcode ccurl_loaded_easy_getinfo_ptr(CURL *e, CURLINFO i, void *v);
CURLMcode ccurl_loaded_multi_setopt_long(CURLM *m, CURLMoption o, long v);

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_OK;

static void global_init(void) { global_result = ccurl_loaded_global_init(CURL_GLOBAL_ALL); }

CURLcode ccurl_global_init_once(void) {
    pthread_once(&global_once, global_init);
    return global_result;
}

CURLcode ccurl_setopt_long(CURL *easy, CURLoption option, long value) { return ccurl_loaded_easy_setopt_long(easy, option, value); }
CURLcode ccurl_setopt_off(CURL *easy, CURLoption option, curl_off_t value) { return ccurl_loaded_easy_setopt_off(easy, option, value); }
CURLcode ccurl_setopt_str(CURL *easy, CURLoption option, const char *value) { return ccurl_loaded_easy_setopt_ptr(easy, option, value); }
CURLcode ccurl_setopt_ptr(CURL *easy, CURLoption option, void *value) { return ccurl_loaded_easy_setopt_ptr(easy, option, value); }
CURLcode ccurl_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *list) { return ccurl_loaded_easy_setopt_ptr(easy, option, list); }
CURLcode ccurl_setopt_datafn(CURL *easy, CURLoption option, ccurl_data_fn fn) { return ccurl_loaded_easy_setopt_ptr(easy, option, (const void *)fn); }

CURLcode ccurl_setopt_blob(CURL *easy, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return ccurl_loaded_easy_setopt_ptr(easy, option, &blob);
}

CURLcode ccurl_getinfo_long(CURL *easy, CURLINFO info, long *value) { return ccurl_loaded_easy_getinfo_ptr(easy, info, value); }
CURLcode ccurl_getinfo_ptr(CURL *easy, CURLINFO info, void **value) { return ccurl_loaded_easy_getinfo_ptr(easy, info, value); }

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) { return ccurl_loaded_multi_setopt_long(multi, option, value); }

int ccurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            *easy = msg->easy_handle;
            *result = msg->data.result;
            return 1;
        }
    }
    return 0;
}

size_t ccurl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
CURLcode ccurl_unpause(CURL *easy) { return curl_easy_pause(easy, CURLPAUSE_CONT); }
