#include "app/tui_entry.hpp"

namespace sniff::app {

// Until the inspector lands, every run uses the text views.
bool tui_wanted(const Options&) {
    return false;
}

int run_tui_on_file(const Options&) {
    return 1;
}

} // namespace sniff::app
