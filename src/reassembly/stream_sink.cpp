#include "reassembly/stream_sink.hpp"

#include <array>

namespace sniff::reassembly {

const char* close_reason_name(CloseReason reason) {
    static constexpr std::array<const char*, 5> k_names{"fin", "rst", "idle", "end-of-input",
                                                        "replaced"};
    const auto index = static_cast<std::size_t>(reason);
    return index < k_names.size() ? k_names[index] : "unknown";
}

} // namespace sniff::reassembly
