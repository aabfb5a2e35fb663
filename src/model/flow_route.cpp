#include "model/flow_route.hpp"

namespace sniff::model {

std::string flow_route(const Flow& flow, const char* arrow) {
    std::string route = flow.client.to_string() + arrow;
    if (flow.origin == FlowOrigin::proxy && flow.legs.known())
        route += flow.legs.listener.to_string() + arrow;
    return route + flow.server.to_string();
}

std::string direction_route(const Flow& flow, Direction direction, const char* arrow) {
    std::string route = flow.source(direction).to_string() + arrow;
    if (flow.origin == FlowOrigin::proxy && flow.legs.known())
        route += flow.legs.listener.to_string() + arrow;
    return route + flow.destination(direction).to_string();
}

std::string upstream_leg_text(const Flow& flow) {
    if (flow.origin != FlowOrigin::proxy || flow.legs.upstream_local.port == 0)
        return {};
    return "upstream leg from " + flow.legs.upstream_local.to_string();
}

} // namespace sniff::model
