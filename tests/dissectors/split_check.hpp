#pragma once
// The split-point property shared by the framing tests of line and broker protocols: the same
// messages whether a direction's bytes come in one chunk, in two at every cut, or a byte at a time.

#include "support.hpp"

#include <catch2/catch.hpp>

namespace sniff::dissect::test {

using model::Direction;

struct Part {
    std::string bytes;
    std::uint64_t header = 0; // the message's first line
    bool push = false;
    std::string json{}; // the header_json expected, when not empty (push is then ignored)
};

inline std::string join(const std::vector<Part>& parts) {
    std::string out;
    for (const Part& part : parts)
        out += part.bytes;
    return out;
}

inline std::uint64_t first_line(const std::string& bytes) {
    return bytes.find('\n') + 1;
}

inline Part line_message(std::string bytes, bool push = false) {
    const auto header = first_line(bytes);
    return {std::move(bytes), header, push};
}

inline std::vector<RecordedMessage> run(std::string_view spec, Direction direction,
                                        const std::string& bytes,
                                        const std::vector<std::size_t>& chunks,
                                        std::size_t wanted = SIZE_MAX) {
    Recorder recorder;
    recorder.wanted = wanted;
    DissectorEngine engine(selector_of(spec), recorder);
    const model::Flow flow = make_flow();
    Driver driver(engine, flow);
    driver.send_chunks(direction, bytes, chunks);
    driver.close();
    return recorder.of(direction);
}

inline void check_same(const std::vector<RecordedMessage>& got, const std::vector<Part>& parts) {
    std::string found; // what was found instead, when the counts differ
    for (const auto& message : got)
        found += std::to_string(message.length) + " " + message_status_name(message.status) + " " +
                 message.reason + "; ";
    INFO("found: " << found);
    REQUIRE(got.size() == parts.size());
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("message " << i << ": " << util::escape_text(parts[i].bytes, 60));
        CHECK(got[i].status == MessageStatus::complete);
        CHECK(got[i].offset == offset);
        CHECK(got[i].length == parts[i].bytes.size());
        CHECK(got[i].header_length == parts[i].header);
        if (!parts[i].json.empty())
            CHECK(got[i].header_json == parts[i].json);
        else
            CHECK((got[i].header_json == R"({"resp":"push"})") == parts[i].push);
        offset += parts[i].bytes.size();
    }
}

// All the chunkings the property asks for: one chunk, every two-chunk split, one byte at a time.
inline void check_every_split(std::string_view spec, Direction direction,
                              const std::vector<Part>& parts) {
    const std::string bytes = join(parts);
    INFO("spec " << spec << ", " << bytes.size() << " bytes");
    check_same(run(spec, direction, bytes, {bytes.size()}), parts);
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        INFO("cut at " << cut);
        check_same(run(spec, direction, bytes, {cut}), parts);
    }
    check_same(run(spec, direction, bytes, std::vector<std::size_t>(bytes.size(), 1)), parts);
}

} // namespace sniff::dissect::test
