// OpenSSL's libcrypto (libssl-dev) for SluiceStore: SHA-256 of API token secrets and a
// constant-time comparison of digests.
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
