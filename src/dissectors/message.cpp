#include "dissectors/message.hpp"

#include "util/enum_names.hpp"

namespace sniff::dissect {

namespace {

constexpr std::array<util::EnumName<MessageClass>, 4> k_class_names{{
    {MessageClass::whole, "whole"},
    {MessageClass::coalesced, "coalesced"},
    {MessageClass::split, "split"},
    {MessageClass::coalesced_split, "coalesced+split"},
}};

constexpr std::array<util::EnumName<MessageStatus>, 3> k_status_names{{
    {MessageStatus::complete, "complete"},
    {MessageStatus::truncated, "truncated"},
    {MessageStatus::malformed, "malformed"},
}};

} // namespace

const char* message_class_name(MessageClass value) {
    return util::name_of(k_class_names, value);
}

const char* message_status_name(MessageStatus value) {
    return util::name_of(k_status_names, value);
}

} // namespace sniff::dissect
