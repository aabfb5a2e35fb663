#include "runtime/privileges.hpp"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace sniff::runtime {

bool user_exists(const std::string& user_name) {
    return getpwnam(user_name.c_str()) != nullptr;
}

bool drop_privileges(const std::string& user_name, std::string& error) {
    const struct passwd* user = getpwnam(user_name.c_str());
    if (user == nullptr) {
        error = "unknown user '" + user_name + "'";
        return false;
    }
    // Groups first (they need root), then the group id, then the user id; any failure stops
    // the run.
    if (initgroups(user->pw_name, user->pw_gid) != 0 || setgid(user->pw_gid) != 0 ||
        setuid(user->pw_uid) != 0) {
        error = std::string("cannot change to user ") + user->pw_name + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

} // namespace sniff::runtime
