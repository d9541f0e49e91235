#ifndef CCURL_H
#define CCURL_H
// Typed wrappers over libcurl's variadic calls, which Swift cannot call directly.
#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*ccurl_data_fn)(char *data, size_t size, size_t count, void *userdata);

/// curl_global_init(CURL_GLOBAL_ALL) exactly once per process; later calls return the first result.
CURLcode ccurl_global_init_once(void);

CURLcode ccurl_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode ccurl_setopt_off(CURL *easy, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_str(CURL *easy, CURLoption option, const char *value);
CURLcode ccurl_setopt_ptr(CURL *easy, CURLoption option, void *value);
CURLcode ccurl_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *list);
/// A blob option (CAINFO_BLOB, SSLCERT_BLOB, SSLKEY_BLOB); libcurl copies the bytes.
CURLcode ccurl_setopt_blob(CURL *easy, CURLoption option, const void *data, size_t length);
CURLcode ccurl_setopt_datafn(CURL *easy, CURLoption option, ccurl_data_fn fn);

CURLcode ccurl_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode ccurl_getinfo_ptr(CURL *easy, CURLINFO info, void **value);

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
/// Next finished transfer of a multi handle: 1 and its handle and result, or 0 when none is left.
int ccurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result);

/// The value a write callback returns to pause its transfer.
size_t ccurl_writefunc_pause(void);
/// curl_easy_pause(easy, CURLPAUSE_CONT).
CURLcode ccurl_unpause(CURL *easy);
#endif
