#include "reassembly/stream_sink.hpp"

#include "util/enum_names.hpp"

namespace sniff::reassembly {

namespace {

constexpr std::array<util::EnumName<CloseReason>, 5> k_close_reasons{{
    {CloseReason::fin, "fin"},
    {CloseReason::rst, "rst"},
    {CloseReason::idle, "idle"},
    {CloseReason::end_of_input, "end-of-input"},
    {CloseReason::replaced, "replaced"},
}};

} // namespace

const char* close_reason_name(CloseReason reason) {
    return util::name_of(k_close_reasons, reason);
}

} // namespace sniff::reassembly
