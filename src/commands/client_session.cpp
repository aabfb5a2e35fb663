#include "commands/client_session.hpp"

#include "commands/builtins.hpp"
#include "commands/upload.hpp"

#include <charconv>
#include <fstream>
#include <sys/socket.h>
#include <thread>

namespace sniff::commands {

std::optional<std::string> predict_answer(const std::string& command) {
    return run_builtin(command, CommandLimits{}, RunMode::predict).output;
}

ClientSession::ClientSession(const ScriptOptions& options, ClientRun& run)
    : m_options(options), m_run(run), m_recv_size(options.recv_size != 0 ? options.recv_size
                                                  : options.framing == Framing::none ? 1024
                                                                                     : 65536) {}

bool ClientSession::fail(const std::string& message) {
    if (m_run.error.empty())
        m_run.error = message;
    return false;
}

bool ClientSession::connect() {
    std::string error;
    m_fd = open_client_socket(HostPort{m_options.host, m_options.port}, SocketKind::tcp, error);
    return m_fd.valid() || fail(error);
}

bool ClientSession::send_command(const std::string& command) {
    return send_all(m_fd.get(), frame_request(m_options.framing, command)) ||
           fail("connection lost while sending '" + command + "'");
}

ClientSession::Read ClientSession::read_once(int timeout_ms, bool drain) {
    RecvRecord record;
    record.requested = m_recv_size;
    record.offset = m_received;
    record.drain = drain;
    record.bytes.resize(m_recv_size);
    const auto got = recv_some(m_fd.get(), record.bytes.data(), m_recv_size, timeout_ms);
    if (got.status != RecvStatus::data)
        return got.status == RecvStatus::closed    ? Read::closed
               : got.status == RecvStatus::timeout ? Read::timeout
                                                   : Read::error;
    record.bytes.resize(got.size);
    record.size = got.size;
    m_received += got.size;
    m_pending += record.bytes;
    if (m_options.on_recv)
        m_options.on_recv(record);
    m_run.recvs.push_back(std::move(record));
    return Read::data;
}

std::string ClientSession::take(std::size_t count) {
    std::string out = m_pending.substr(0, count);
    m_pending.erase(0, out.size());
    m_consumed += out.size();
    return out;
}

// Reads until the frame (or line) at the start of m_pending is complete.
bool ClientSession::fill_frame(Decoded& decoded, bool line, std::size_t max) {
    for (;;) {
        decoded = line ? decode_line(bytes_of(m_pending), max)
                       : decode_frame(m_options.framing, bytes_of(m_pending), max);
        if (decoded.state == DecodeState::complete)
            return true;
        if (decoded.state == DecodeState::malformed)
            return fail("malformed answer: " + decoded.reason);
        const Read got = read_once(m_options.timeout_ms, false);
        if (got == Read::timeout)
            return fail("timed out waiting for an answer");
        if (got != Read::data)
            return fail("server closed the connection in the middle of an answer");
    }
}

bool ClientSession::read_answer(const std::string& command) {
    Answer answer;
    answer.command = command;
    answer.offset = m_consumed;
    if (m_options.framing == Framing::none) {
        // The article's bug on purpose: whatever one recv returns is taken as the answer.
        if (m_options.recv_delay_ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(m_options.recv_delay_ms));
        if (m_pending.empty() && read_once(m_options.none_wait_ms, false) == Read::closed)
            fail("server closed the connection");
        answer.received = take(m_pending.size());
        m_run.answers.push_back(std::move(answer));
        return m_run.error.empty();
    }
    if (m_options.recv_delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(m_options.recv_delay_ms));
    Decoded decoded;
    if (m_options.framing == Framing::ascii_len) {
        if (!fill_frame(decoded, true, k_max_length_line))
            return false;
        const auto length = parse_decimal(
            std::string_view(m_pending).substr(0, decoded.body_length), m_options.max_answer);
        if (!length)
            return fail("malformed length line '" + m_pending.substr(0, decoded.body_length) + "'");
        answer.header_size = decoded.frame_length;
        answer.size = *length;
        take(decoded.frame_length);
        if (!send_all(m_fd.get(), std::string("ready\n")))
            return fail("connection lost while sending ready");
        while (m_pending.size() < *length) {
            if (read_once(m_options.timeout_ms, false) != Read::data)
                return fail("answer to '" + command + "' ended early");
        }
    } else {
        if (!fill_frame(decoded, false, m_options.max_answer))
            return false;
        answer.header_size = decoded.header_length;
        answer.size = decoded.body_length;
        const auto status = decoded.header.find("status");
        answer.server_error =
            decoded.header.is_object() && status != decoded.header.end() && *status == "error";
        take(decoded.header_length);
    }
    answer.received = take(answer.size);
    m_run.answers.push_back(std::move(answer));
    return true;
}

bool ClientSession::upload(const UploadSpec& upload) {
    std::uint64_t size = 0;
    auto header = make_upload_header(upload.path, size);
    if (!header)
        return fail("cannot read '" + upload.path + "'");
    if (!upload.name_override.empty())
        (*header)["file_name"] = upload.name_override;
    if (!upload.md5_override.empty())
        (*header)["md5"] = upload.md5_override;
    const std::string text = header->dump();
    if (!send_all(m_fd.get(), encode_le32(static_cast<std::uint32_t>(text.size())) + text))
        return fail("connection lost while sending the upload header");
    std::ifstream in(upload.path, std::ios::binary);
    std::string chunk(65536, '\0');
    std::uint64_t sent = 0;
    while (sent < size && in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0 || !send_all(m_fd.get(), chunk.data(), got))
            break;
        sent += got;
    }
    if (sent != size)
        return fail("could not send the whole file (" + std::to_string(sent) + " of " +
                    std::to_string(size) + " bytes)");
    return read_answer("upload " + (*header)["file_name"].get<std::string>());
}

void ClientSession::drain() {
    if (m_options.framing != Framing::none || !m_fd.valid())
        return;
    ::shutdown(m_fd.get(), SHUT_WR);
    while (read_once(m_options.none_wait_ms, true) == Read::data) {
    }
}

void ClientSession::check(Answer& answer) const {
    const auto predicted = m_options.predict && answer.command.rfind("upload ", 0) != 0
                               ? predict_answer(answer.command)
                               : std::nullopt;
    if (predicted) {
        const bool same = answer.received == *predicted;
        answer.check = same ? AnswerCheck::intact : AnswerCheck::corrupt;
        if (!same)
            answer.note = "took " + std::to_string(answer.received.size()) +
                          " bytes as the answer; the true answer has " +
                          std::to_string(predicted->size()) + " bytes" +
                          (answer.received.size() == predicted->size() ? " (content differs)" : "");
        return;
    }
    // Without predictions, `bytes N` is still checkable: its content is the offset pattern.
    std::string_view rest(answer.command);
    std::size_t count = 0;
    if (rest.rfind("bytes ", 0) == 0) {
        rest.remove_prefix(6);
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), count);
        if (ec == std::errc{} && end == rest.data() + rest.size()) {
            const auto bad = first_pattern_mismatch(answer.received);
            const bool ok = answer.received.size() == count && bad == std::string_view::npos;
            answer.check = ok ? AnswerCheck::intact : AnswerCheck::corrupt;
            if (!ok)
                answer.note = bad == std::string_view::npos
                                  ? "got " + std::to_string(answer.received.size()) + " of " +
                                        std::to_string(count) + " bytes"
                                  : "pattern broken at byte " + std::to_string(bad);
        }
    }
}

void ClientSession::finish() {
    if (m_options.framing == Framing::none) {
        // The true boundaries: each answer is as long as its prediction, back to back.
        std::uint64_t offset = 0;
        bool known = m_options.predict;
        for (auto& answer : m_run.answers) {
            answer.boundary_known = known;
            answer.offset = offset;
            if (known)
                answer.size = predict_answer(answer.command)->size();
            offset += answer.size;
        }
    }
    for (auto& answer : m_run.answers)
        check(answer);
}

} // namespace sniff::commands
