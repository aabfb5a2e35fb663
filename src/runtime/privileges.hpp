#pragma once
// -Z USER, as tcpdump: once the capture is open and the proxy's listeners are bound, root is no
// longer needed.

#include <string>

namespace sniff::runtime {

bool user_exists(const std::string& user_name);
// Returns false and error when the user is unknown or a change failed.
bool drop_privileges(const std::string& user_name, std::string& error);

} // namespace sniff::runtime
