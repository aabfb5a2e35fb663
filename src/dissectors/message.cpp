#include "dissectors/message.hpp"

#include <array>

namespace sniff::dissect {

const char* message_class_name(MessageClass value) {
    static constexpr std::array<const char*, 4> k_names{"whole", "coalesced", "split",
                                                        "coalesced+split"};
    return k_names[static_cast<std::size_t>(value) % k_names.size()];
}

const char* message_status_name(MessageStatus value) {
    static constexpr std::array<const char*, 3> k_names{"complete", "truncated", "malformed"};
    return k_names[static_cast<std::size_t>(value) % k_names.size()];
}

} // namespace sniff::dissect
