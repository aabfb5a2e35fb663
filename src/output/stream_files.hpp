#pragma once
// --write-streams DIR: one file per flow direction holding its reassembled bytes (gaps are left
// out, never zero-filled, and listed in the index), named SRCIP.SRCPORT-DSTIP.DSTPORT with ':' of
// IPv6 addresses replaced by '-', and a "-N" suffix for the Nth reuse of a 4-tuple. DIR/index.json
// is a JSON array with one object per file, written as flows close so memory stays bounded.
// UDP directions are the concatenation of their datagrams.

#include "reassembly/stream_sink.hpp"

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

namespace sniff::output {

class StreamFileWriter final : public reassembly::StreamSink {
public:
    StreamFileWriter();
    // Creates the directory; false (and error) when it cannot.
    bool open(const std::string& directory, std::string& error);
    ~StreamFileWriter() override;

    void on_data(const model::Flow& flow, model::Direction direction,
                 const model::SegmentInfo& segment, util::Bytes bytes) override;
    void on_gap(const model::Flow& flow, model::Direction direction,
                const model::Gap& gap) override;
    void on_flow_close(const model::Flow& flow, reassembly::CloseReason reason) override;

    // Closes the index; false (and error) when any write failed.
    bool finish(std::string& error);
    std::uint64_t files_written() const { return m_files_written; }

    // The file name of a flow direction, without the reuse suffix logic.
    static std::string base_name(const model::Flow& flow, model::Direction direction);

private:
    struct DirectionFile;
    DirectionFile& file_for(const model::Flow& flow, model::Direction direction);
    bool ensure_open(DirectionFile& file);
    void close_least_recent();
    void write_index_entry(const model::Flow& flow, model::Direction direction,
                           DirectionFile& file);

    std::string m_directory;
    std::FILE* m_index = nullptr;
    bool m_first_entry = true;
    std::string m_error;
    std::uint64_t m_files_written = 0;
    std::uint64_t m_use_clock = 0;
    std::size_t m_open_handles = 0;
    std::set<std::string> m_used_names;
    std::unordered_map<std::uint64_t, std::unique_ptr<DirectionFile>> m_files; // key: flow id*2+dir
};

} // namespace sniff::output
