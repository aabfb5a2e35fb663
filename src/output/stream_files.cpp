#include "output/stream_files.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace sniff::output {

namespace {

// Open files are limited so that thousands of concurrent flows do not exhaust descriptors.
constexpr std::size_t k_max_open_handles = 128;

std::uint64_t key_of(const model::Flow& flow, model::Direction direction) {
    return flow.id * 2 + static_cast<std::uint64_t>(direction);
}

std::string file_part(const model::Endpoint& endpoint) {
    std::string address = endpoint.ip.to_string();
    std::replace(address.begin(), address.end(), ':', '-');
    return address + "." + std::to_string(endpoint.port);
}

} // namespace

struct StreamFileWriter::DirectionFile {
    std::string name;
    std::FILE* handle = nullptr;
    bool created = false;
    std::uint64_t last_use = 0;
    std::vector<model::Gap> gaps;
};

StreamFileWriter::StreamFileWriter() = default;

StreamFileWriter::~StreamFileWriter() {
    for (auto& [key, file] : m_files)
        if (file->handle != nullptr)
            std::fclose(file->handle);
    if (m_index != nullptr)
        std::fclose(m_index);
}

bool StreamFileWriter::open(const std::string& directory, std::string& error) {
    std::error_code code;
    std::filesystem::create_directories(directory, code);
    if (code) {
        error = directory + ": " + code.message();
        return false;
    }
    m_directory = directory;
    m_index = std::fopen((directory + "/index.json").c_str(), "w");
    if (m_index == nullptr) {
        error = directory + "/index.json: cannot create";
        return false;
    }
    std::fputs("[", m_index);
    return true;
}

std::string StreamFileWriter::base_name(const model::Flow& flow, model::Direction direction) {
    return file_part(flow.source(direction)) + "-" + file_part(flow.destination(direction));
}

StreamFileWriter::DirectionFile& StreamFileWriter::file_for(const model::Flow& flow,
                                                            model::Direction direction) {
    auto& slot = m_files[key_of(flow, direction)];
    if (!slot) {
        slot = std::make_unique<DirectionFile>();
        std::string name = base_name(flow, direction);
        if (flow.reuse > 0)
            name += "-" + std::to_string(flow.reuse);
        // The same 4-tuple may appear again without a SYN (a capture of several sessions).
        for (std::uint32_t extra = flow.reuse + 1; m_used_names.contains(name); ++extra)
            name = base_name(flow, direction) + "-" + std::to_string(extra);
        m_used_names.insert(name);
        slot->name = std::move(name);
    }
    slot->last_use = ++m_use_clock;
    return *slot;
}

void StreamFileWriter::close_least_recent() {
    DirectionFile* oldest = nullptr;
    for (auto& [key, file] : m_files)
        if (file->handle != nullptr && (oldest == nullptr || file->last_use < oldest->last_use))
            oldest = file.get();
    if (oldest != nullptr) {
        std::fclose(oldest->handle);
        oldest->handle = nullptr;
        --m_open_handles;
    }
}

bool StreamFileWriter::ensure_open(DirectionFile& file) {
    if (file.handle != nullptr)
        return true;
    if (m_open_handles >= k_max_open_handles)
        close_least_recent();
    const std::string path = m_directory + "/" + file.name;
    file.handle = std::fopen(path.c_str(), file.created ? "ab" : "wb");
    if (file.handle == nullptr) {
        if (m_error.empty())
            m_error = path + ": cannot write";
        return false;
    }
    if (!file.created)
        ++m_files_written;
    file.created = true;
    ++m_open_handles;
    return true;
}

void StreamFileWriter::on_data(const model::Flow& flow, model::Direction direction,
                               const model::SegmentInfo&, util::Bytes bytes) {
    auto& file = file_for(flow, direction);
    if (!ensure_open(file))
        return;
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file.handle) != bytes.size() &&
        m_error.empty())
        m_error = file.name + ": write failed";
}

void StreamFileWriter::on_gap(const model::Flow& flow, model::Direction direction,
                              const model::Gap& gap) {
    auto& file = file_for(flow, direction);
    if (ensure_open(file))
        file.gaps.push_back(gap);
}

void StreamFileWriter::write_index_entry(const model::Flow& flow, model::Direction direction,
                                         DirectionFile& file) {
    const auto& stats = flow.of(direction);
    nlohmann::json gaps = nlohmann::json::array();
    for (const auto& gap : file.gaps)
        gaps.push_back({{"offset", gap.offset},
                        {"length", gap.length},
                        {"reason", model::gap_reason_name(gap.reason)}});
    const nlohmann::json entry{{"file", file.name},
                               {"flow", flow.id},
                               {"proto", model::protocol_name(flow.protocol)},
                               {"src", flow.source(direction).to_string()},
                               {"dst", flow.destination(direction).to_string()},
                               {"dir", model::direction_name(direction)},
                               {"bytes", stats.stream_bytes},
                               {"segments", stats.segments},
                               {"gaps", stats.gaps},
                               {"gap_list", gaps},
                               {"first_frame", stats.first_frame},
                               {"reuse", flow.reuse}};
    std::fputs(m_first_entry ? "\n" : ",\n", m_index);
    m_first_entry = false;
    std::fputs(entry.dump().c_str(), m_index);
}

void StreamFileWriter::on_flow_close(const model::Flow& flow, reassembly::CloseReason) {
    for (const auto direction : {model::Direction::c2s, model::Direction::s2c}) {
        const auto found = m_files.find(key_of(flow, direction));
        if (found == m_files.end())
            continue;
        auto& file = *found->second;
        if (file.handle != nullptr) {
            if (std::fclose(file.handle) != 0 && m_error.empty())
                m_error = file.name + ": write failed";
            --m_open_handles;
        }
        write_index_entry(flow, direction, file);
        m_files.erase(found);
    }
}

bool StreamFileWriter::finish(std::string& error) {
    if (m_index != nullptr) {
        std::fputs(m_first_entry ? "]\n" : "\n]\n", m_index);
        if (std::fclose(m_index) != 0 && m_error.empty())
            m_error = "index.json: write failed";
        m_index = nullptr;
    }
    error = m_error;
    return m_error.empty();
}

} // namespace sniff::output
