// SwiftPM links every executable with swiftc, which adds swiftrt.o: a constructor that
// registers the image's Swift metadata with the Swift runtime. This program has no Swift
// code, so the two runtime entry points swiftrt.o calls are no-ops here. Defined locally,
// they keep the static link (see Package.swift) from pulling anything out of libswiftCore:
// the supervisor stays a ~1 MB static binary that needs only the kernel, and starts in
// about half the time of one that loads libswiftCore and libstdc++.
void swift_addNewDSOImage(const void *image) { (void)image; }
int _swift_backtrace_isThunkFunction(const char *name) { (void)name; return 0; }
