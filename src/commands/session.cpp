#include "commands/session.hpp"

#include "commands/socket_io.hpp"
#include "commands/upload.hpp"
#include "util/escape.hpp"

#include <algorithm>

namespace sniff::commands {

CommandResult execute_command(const std::string& line, const ServeOptions& options) {
    const CommandLimits limits{options.max_output, options.command_timeout_ms};
    if (options.shell)
        return run_shell(line, limits);
    return run_builtin(line, limits, RunMode::real);
}

namespace {

constexpr std::size_t k_read_chunk = 64 * 1024;

class Session {
public:
    Session(int fd, const SessionContext& context) : m_fd(fd), m_context(context) {}
    void run();

private:
    const ServeOptions& options() const { return m_context.options; }
    // Reads more bytes into m_pending; false when the client is gone or idle too long.
    bool read_more();
    bool handle_frame(const Decoded& decoded);
    bool answer(const std::string& command);
    bool send_answer(const CommandResult& result, const nlohmann::json& extra = {});
    bool await_ready();
    bool handle_upload(const Decoded& decoded);
    bool reject(const std::string& reason);

    int m_fd;
    const SessionContext& m_context;
    std::string m_pending; // received, not yet consumed
};

void Session::run() {
    const std::size_t max_body = options().framing == Framing::json_header
                                     ? std::max(k_max_request, options().max_upload)
                                     : k_max_request;
    for (;;) {
        const Decoded decoded = decode_frame(options().framing, bytes_of(m_pending), max_body);
        if (decoded.state == DecodeState::malformed) {
            (void)reject(decoded.reason);
            return;
        }
        // A JSON header is known before its body has arrived: uploads stream from here, and a
        // command's declared size is checked before waiting for it.
        if (options().framing == Framing::json_header && decoded.header_length > 0) {
            if (is_upload_header(decoded.header)) {
                if (!handle_upload(decoded))
                    return;
                continue;
            }
            if (decoded.body_length > k_max_request) {
                (void)reject("command of " + std::to_string(decoded.body_length) +
                             " bytes exceeds limit " + std::to_string(k_max_request));
                return;
            }
        }
        if (decoded.state == DecodeState::complete) {
            if (!handle_frame(decoded))
                return;
            continue;
        }
        if (!read_more()) {
            if (!m_pending.empty())
                m_context.log.line(m_context.peer + " left mid-message (" +
                                   std::to_string(m_pending.size()) + " bytes pending)");
            return;
        }
    }
}

bool Session::read_more() {
    const std::size_t old_size = m_pending.size();
    m_pending.resize(old_size + k_read_chunk);
    const auto got =
        recv_some(m_fd, m_pending.data() + old_size, k_read_chunk, options().idle_timeout_ms);
    m_pending.resize(old_size + (got.status == RecvStatus::data ? got.size : 0));
    if (got.status == RecvStatus::timeout)
        m_context.log.line(m_context.peer + " idle too long, closing");
    return got.status == RecvStatus::data;
}

bool Session::handle_frame(const Decoded& decoded) {
    std::string command = m_pending.substr(decoded.header_length, decoded.body_length);
    m_pending.erase(0, decoded.frame_length);
    if (!command.empty() && command.back() == '\r')
        command.pop_back();
    return answer(command);
}

bool Session::answer(const std::string& command) {
    const CommandResult result = execute_command(command, options());
    m_context.log.line(m_context.peer + " > " + util::escape_text(command, 80) + " -> " +
                       std::to_string(result.output.size()) + " bytes" +
                       (result.error ? " (error)" : ""));
    return send_answer(result);
}

bool Session::send_answer(const CommandResult& result, const nlohmann::json& extra) {
    const Framing framing = options().framing;
    if (framing == Framing::ascii_len) {
        if (!send_all(m_fd, length_line(result.output.size())) || !await_ready())
            return false;
    } else if (framing != Framing::none) {
        // Header and body go out as two sends, as the article does; the client must not care.
        const std::string framed = frame_answer(framing, result.output, result.error,
                                                extra.is_null() ? nlohmann::json::object() : extra);
        const std::size_t header_length = framed.size() - result.output.size();
        if (!send_all(m_fd, framed.data(), header_length))
            return false;
    }
    if (!send_all(m_fd, result.output))
        return false;
    ++m_context.counters.answers;
    return true;
}

// ascii-len: the body goes only after the client's "ready" line.
bool Session::await_ready() {
    for (;;) {
        const Decoded line = decode_line(bytes_of(m_pending), 16);
        if (line.state == DecodeState::complete) {
            const bool ready =
                m_pending.compare(0, line.body_length, "ready") == 0 && line.body_length == 5;
            m_pending.erase(0, line.frame_length);
            if (!ready) {
                ++m_context.counters.malformed;
                m_context.log.line(m_context.peer + " expected 'ready', closing");
            }
            return ready;
        }
        if (line.state == DecodeState::malformed || !read_more()) {
            ++m_context.counters.malformed;
            m_context.log.line(m_context.peer + " sent no 'ready', closing");
            return false;
        }
    }
}

bool Session::reject(const std::string& reason) {
    ++m_context.counters.malformed;
    m_context.log.line(m_context.peer + " malformed request: " + reason + ", closing");
    // The stream position is lost after a malformed frame, so the connection ends here; the
    // error answer still tells the client why (none: as raw text).
    const std::string body = "error: malformed request: " + reason + "\n";
    if (options().framing == Framing::ascii_len)
        return send_all(m_fd, length_line(body.size()) + body);
    return send_all(m_fd, frame_answer(options().framing, body, true));
}

bool Session::handle_upload(const Decoded& decoded) {
    std::string reason;
    const auto request = parse_upload_header(decoded.header, reason);
    std::optional<std::string> stored;
    if (request && options().upload_dir.empty())
        reason = "uploads are disabled (no --upload-dir)";
    else if (request && request->file_size > options().max_upload)
        reason = "file_size exceeds the upload limit";
    else if (request && !(stored = safe_base_name(request->file_name)))
        reason = "unsafe file name '" + util::escape_text(request->file_name, 80) + "'";
    UploadSink sink;
    if (reason.empty() && !sink.open(options().upload_dir, *stored, reason))
        m_context.log.line(m_context.peer + " upload: " + reason);
    if (!reason.empty()) {
        // The body cannot be skipped safely without trusting file_size, so the connection ends.
        ++m_context.counters.uploads_failed;
        (void)reject("upload refused: " + reason);
        return false;
    }
    m_pending.erase(0, decoded.header_length);
    std::uint64_t left = request->file_size;
    while (left > 0) {
        if (m_pending.empty() && !read_more()) {
            ++m_context.counters.uploads_failed;
            m_context.log.line(m_context.peer + " left mid-upload of " + *stored);
            return false;
        }
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(left, m_pending.size()));
        if (!sink.write(m_pending.data(), take)) {
            ++m_context.counters.uploads_failed;
            (void)reject("cannot write the upload");
            return false;
        }
        m_pending.erase(0, take);
        left -= take;
    }
    const auto outcome = sink.finish(*request);
    ++(outcome.ok ? m_context.counters.uploads_ok : m_context.counters.uploads_failed);
    m_context.log.line(m_context.peer + " upload: " + outcome.message);
    const nlohmann::json extra{{"file_name", *stored}, {"md5", outcome.md5}};
    return send_answer({outcome.message + "\n", !outcome.ok}, extra);
}

} // namespace

void serve_session(int fd, const SessionContext& context) {
    Session session(fd, context);
    session.run();
}

} // namespace sniff::commands
