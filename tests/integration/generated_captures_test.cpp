// Every generated edge case, read by the sniff binary: the reassembled streams written with
// --write-streams must equal the generator's expectation byte for byte, gaps included, and the
// expected anomalies must be reported.

#include "gencap/cases.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using sniff::gencap::ExpectedStream;
using sniff::gencap::GeneratedCase;
using namespace sniff::test;

const nlohmann::json* find_entry(const nlohmann::json& index, const ExpectedStream& stream) {
    for (const auto& entry : index)
        if (entry["src"] == stream.source.to_string() &&
            entry["dst"] == stream.destination.to_string() && entry["proto"] == stream.protocol &&
            entry["reuse"] == stream.reuse)
            return &entry;
    return nullptr;
}

void check_streams(const GeneratedCase& generated, const std::filesystem::path& out) {
    const auto index = nlohmann::json::parse(read_file(out / "index.json"));
    for (const auto& stream : generated.streams) {
        INFO("stream " << stream.source.to_string() << " -> " << stream.destination.to_string()
                       << " reuse " << stream.reuse);
        const auto* entry = find_entry(index, stream);
        REQUIRE(entry != nullptr);
        CHECK(read_file(out / (*entry)["file"].get<std::string>()) == stream.bytes);
        CHECK((*entry)["bytes"] == stream.bytes.size());
        REQUIRE((*entry)["gap_list"].size() == stream.gaps.size());
        for (std::size_t i = 0; i < stream.gaps.size(); ++i) {
            CHECK((*entry)["gap_list"][i]["offset"] == stream.gaps[i].offset);
            CHECK((*entry)["gap_list"][i]["length"] == stream.gaps[i].length);
        }
    }
}

void check_events(const GeneratedCase& generated) {
    const auto result =
        run_command(std::string(SNIFF_BIN) + " -q --json -r '" + generated.file + "'");
    REQUIRE(result.exit_code == 0);
    std::set<std::string> anomalies;
    std::uint64_t flows = 0;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto event = nlohmann::json::parse(line);
        if (event["type"] == "anomaly")
            anomalies.insert(event["kind"].get<std::string>());
        if (event["type"] == "flow" && event["event"] == "open")
            ++flows;
    }
    CHECK(flows == generated.flows);
    for (const auto& kind : generated.anomalies) {
        INFO("expected anomaly " << kind);
        CHECK(anomalies.contains(kind));
    }
}

} // namespace

TEST_CASE("sniff reassembles every generated capture exactly", "[integration]") {
    const auto names = sniff::gencap::case_names();
    const auto name = GENERATE_COPY(from_range(names));
    const auto dir = scratch_dir("gen-" + name);
    const GeneratedCase generated = sniff::gencap::generate_case(name, dir.string());
    INFO("case " << name << ": " << generated.description);

    const auto out = dir / "streams";
    const auto result = run_command(std::string(SNIFF_BIN) + " -q -r '" + generated.file +
                                    "' --write-streams '" + out.string() + "'");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    check_streams(generated, out);
    check_events(generated);
    std::filesystem::remove_all(dir);
}

TEST_CASE("sniff reads a capture from standard input", "[integration]") {
    const auto dir = scratch_dir("stdin");
    const auto generated = sniff::gencap::generate_case("out_of_order", dir.string());
    const auto out = dir / "streams";
    const auto result = run_command("cat '" + generated.file + "' | " + SNIFF_BIN +
                                    " -q -r - --write-streams '" + out.string() + "'");
    REQUIRE(result.exit_code == 0);
    check_streams(generated, out);
    std::filesystem::remove_all(dir);
}
