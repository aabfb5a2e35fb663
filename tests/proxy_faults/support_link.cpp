// The proxy tests' helpers (recording sink, harness, blocking sockets) built into this executable
// too: tests/<module> folders are separate executables and share no library.
#include "proxy/support.cpp"
