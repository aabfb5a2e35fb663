#include "cli/framing_commands.hpp"

#include "dissectors/family_registry.hpp"
#include "dissectors/lua_export.hpp"
#include "dissectors/spec.hpp"
#include "pipeline/framing_selection.hpp"

#include <cstdio>
#include <fstream>

namespace sniff::cli {

int list_framings() {
    std::printf("%-14s %-40s %s\n", "preset", "expansion", "what it is");
    for (const auto& preset : dissect::preset_list())
        std::printf("%-14.*s %-40.*s %.*s\n", static_cast<int>(preset.name.size()),
                    preset.name.data(), static_cast<int>(preset.expansion.size()),
                    preset.expansion.data(), static_cast<int>(preset.description.size()),
                    preset.description.data());
    std::puts(("\n" + dissect::families_help()).c_str());
    std::puts(
        "use: --framing SPEC (every flow) or --framing PORT=SPEC (flows to that server port)");
    return 0;
}

int export_lua(const pipeline::Options& options) {
    std::string error;
    const auto selector = pipeline::framing_selector(options, false, error);
    if (!selector) {
        std::fprintf(stderr, "sniff: %s\n", error.c_str());
        return 2;
    }
    if (selector->port_specs().size() != 1) {
        std::fprintf(stderr, "sniff: --export-lua needs exactly one --framing PORT=SPEC\n");
        return 2;
    }
    const auto& [port, spec] = *selector->port_specs().begin();
    const auto lua = dissect::export_lua(spec, port, &error);
    if (!lua) {
        std::fprintf(stderr, "sniff: --export-lua: %s\n", error.c_str());
        return 2;
    }
    std::ofstream out(options.export_lua);
    out << *lua;
    if (!out.flush()) {
        std::fprintf(stderr, "sniff: %s: cannot write\n", options.export_lua.c_str());
        return 1;
    }
    std::fprintf(stderr, "sniff: wrote %s (use: tshark -X lua_script:%s)\n",
                 options.export_lua.c_str(), options.export_lua.c_str());
    return 0;
}

} // namespace sniff::cli
