// The system SQLite (libsqlite3-dev) for SluiceStore.
#include <sqlite3.h>

// SQLITE_TRANSIENT casts -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
