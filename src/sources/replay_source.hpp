#pragma once
// sniff replay FILE --to HOST:PORT: flows of a capture played against a live server (or, with
// --side server --listen PORT, for a live client), re-chunked as asked, the peer's messages
// compared with the captured ones. Each replayed connection is a flow of this source: its sends
// and recv()s are its chunks, so every view (text, --json, -w, the inspector) shows them as it
// shows the proxy's. The comparison is the source's own report: `replay` and `replay_summary`
// JSON events, and a text report after the views' totals. Exit status 1 when a message differed,
// was missing or extra, or a connection failed.

#include "pipeline/options.hpp"
#include "sources/source.hpp"

#include <memory>

namespace sniff::sources {

class ReplaySource final : public Source {
public:
    explicit ReplaySource(const pipeline::Options& options);
    ~ReplaySource() override;
    ReplaySource(const ReplaySource&) = delete;
    ReplaySource& operator=(const ReplaySource&) = delete;

    model::FlowOrigin origin() const override { return model::FlowOrigin::replay; }
    std::string label() const override;
    std::string title() const override;
    // Parses the replay's options (2 on a usage error), reads the capture and picks the flows
    // (1 when it cannot be read or has nothing to replay), resolves --to or binds --listen.
    int open(const SourceSetup& setup) override;
    int open_files() override;
    void start(SourceContext& context) override;
    void stop() override;
    bool draining() const override;
    // Writes the replay_summary event (--json) and closes the recording.
    bool finish() override;
    void add_end_fields(nlohmann::json& end) const override;
    // The text report (standard output, unless --json) and the summary line (standard error).
    void print_summary() const override;
    std::optional<int> exit_status() const override;
    void announce() const override;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace sniff::sources
