#include "pipeline/framing_selection.hpp"

#include "dissectors/spec.hpp"

namespace sniff::pipeline {

std::optional<dissect::FramingSelector>
framing_selector(const Options& options, bool guess_by_default, std::string& error) {
    dissect::FramingSelector selector;
    for (const auto& argument : options.framings) {
        if (auto failure = selector.add(argument)) {
            error = "--framing: " + failure->message;
            return std::nullopt;
        }
    }
    if (guess_by_default && options.framings.empty())
        selector.set_default(std::get<dissect::FramingSpec>(dissect::parse_spec("auto")));
    return selector;
}

} // namespace sniff::pipeline
