#pragma once
// Which framing each flow gets, decided once per run from --framing (SPEC for every flow,
// PORT=SPEC per server port) and handed to every part that needs it: the text views' engine,
// the inspector's, the proxy's adversarial re-chunking.

#include "dissectors/selector.hpp"
#include "pipeline/options.hpp"

#include <optional>
#include <string>

namespace sniff::pipeline {

// nullopt and error ("--framing: ...") on a bad spec. guess_by_default: flows no --framing names
// get `auto` (the inspector is about message boundaries); otherwise they get none.
std::optional<dissect::FramingSelector> framing_selector(const Options& options,
                                                         bool guess_by_default, std::string& error);

} // namespace sniff::pipeline
