#include "model/segment.hpp"

#include "util/enum_names.hpp"

namespace sniff::model {

namespace {

constexpr std::array<util::EnumName<GapReason>, 4> k_gap_reasons{{
    {GapReason::lost, "lost"},
    {GapReason::snaplen, "snaplen"},
    {GapReason::buffer_limit, "buffer-limit"},
    {GapReason::fragment, "fragment"},
}};

constexpr std::array<util::EnumName<ControlKind>, 3> k_control_kinds{{
    {ControlKind::pure_ack, "ack"},
    {ControlKind::window_update, "window-update"},
    {ControlKind::retransmission, "retransmission"},
}};

constexpr std::array<util::EnumName<AnomalyKind>, 15> k_anomaly_kinds{{
    {AnomalyKind::overlap_conflict, "overlap-conflict"},
    {AnomalyKind::data_after_rst, "data-after-rst"},
    {AnomalyKind::data_after_fin, "data-after-fin"},
    {AnomalyKind::keepalive, "keepalive"},
    {AnomalyKind::zero_window_probe, "zero-window-probe"},
    {AnomalyKind::fragment_overlap, "fragment-overlap"},
    {AnomalyKind::fragment_incomplete, "fragment-incomplete"},
    {AnomalyKind::truncated_packet, "truncated-packet"},
    {AnomalyKind::malformed_packet, "malformed-packet"},
    {AnomalyKind::unsupported_link_type, "unsupported-link-type"},
    {AnomalyKind::idle_timeout, "idle-timeout"},
    {AnomalyKind::syn_with_data, "syn-with-data"},
    {AnomalyKind::memory_cap, "memory-cap"},
    {AnomalyKind::call_error, "call-error"},
    {AnomalyKind::datagram_truncated, "datagram-truncated"},
}};

} // namespace

const char* gap_reason_name(GapReason reason) {
    return util::name_of(k_gap_reasons, reason);
}
const char* control_kind_name(ControlKind kind) {
    return util::name_of(k_control_kinds, kind);
}
const char* anomaly_kind_name(AnomalyKind kind) {
    return util::name_of(k_anomaly_kinds, kind);
}

} // namespace sniff::model
