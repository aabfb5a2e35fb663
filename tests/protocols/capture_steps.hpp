#pragma once
// The steps every capture recipe takes (captures.cpp, datastore_captures.cpp, web_captures.cpp):
// a capture record with a free port or the reason it cannot be made, clients run with what they
// said logged, and the checks that a server listens and dumpcap started.

#include "protocols/captures.hpp"
#include "protocols/harness.hpp"
#include "support/process.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sniff::protocols {

// A capture record named `name` for `preset` in dir: a free port, or in skip why it cannot be
// made (not root, no dumpcap or tshark, one of `programs` not installed).
ProtocolCapture prepare_capture(const std::string& name, const std::filesystem::path& dir,
                                const std::string& preset,
                                const std::vector<std::string>& programs);

// Runs a command to completion (ended after `seconds`), what it said appended to `log`.
test::CommandResult run_logged(const std::string& command, int seconds,
                               const std::filesystem::path& log);
// The same, throwing with what it said when it fails.
void run_checked(const std::string& command, int seconds, const std::filesystem::path& log);

// Throws with the server's log unless 127.0.0.1:port accepts within timeout_ms.
void require_listening(int port, const Background& server, int timeout_ms = 10000);
// Throws with dumpcap's log unless the capture started.
void require_started(const LoopbackCapture& capture);

} // namespace sniff::protocols
