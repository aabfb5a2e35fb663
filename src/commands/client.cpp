#include "commands/client.hpp"

#include "commands/client_session.hpp"
#include "commands/socket_io.hpp"
#include "util/escape.hpp"
#include "util/plural.hpp"

#include <algorithm>
#include <istream>
#include <ostream>
#include <sys/socket.h>

namespace sniff::commands {

const char* answer_check_name(AnswerCheck check) {
    switch (check) {
    case AnswerCheck::intact:
        return "intact";
    case AnswerCheck::corrupt:
        return "corrupt";
    case AnswerCheck::unverified:
        return "unverified";
    }
    return "?";
}

bool ClientRun::all_intact() const {
    return error.empty() && std::none_of(answers.begin(), answers.end(), [](const Answer& a) {
               return a.check == AnswerCheck::corrupt || a.server_error;
           });
}

ClientRun run_script(const ScriptOptions& options, const std::vector<std::string>& commands) {
    ClientRun run;
    ClientSession session(options, run);
    if (!session.connect())
        return run;
    const bool pipeline = options.pipeline && (options.framing == Framing::struct_len ||
                                               options.framing == Framing::json_header);
    if (pipeline) {
        for (const auto& command : commands)
            if (!session.send_command(command))
                return run;
        for (const auto& command : commands)
            if (!session.read_answer(command))
                break;
    } else {
        for (const auto& command : commands)
            if (!session.send_command(command) || !session.read_answer(command))
                break;
    }
    if (options.drain)
        session.drain();
    session.finish();
    return run;
}

ClientRun run_upload(const ScriptOptions& options, const UploadSpec& upload) {
    ClientRun run;
    if (options.framing != Framing::json_header) {
        run.error = "upload needs --framing json-header";
        return run;
    }
    ClientSession session(options, run);
    if (session.connect() && session.upload(upload))
        session.finish();
    return run;
}

std::string describe_recv(const ClientRun& run, std::size_t recv_index) {
    if (recv_index >= run.recvs.size())
        return {};
    const RecvRecord& recv = run.recvs[recv_index];
    const std::uint64_t begin = recv.offset;
    const std::uint64_t end = recv.offset + recv.size;
    std::string out = "recv #" + std::to_string(recv_index + 1) + ": " +
                      util::counted(recv.size, "byte") + " at " + std::to_string(begin);
    std::string parts;
    std::uint64_t explained = 0;
    for (std::size_t i = 0; i < run.answers.size(); ++i) {
        const Answer& answer = run.answers[i];
        if (!answer.boundary_known)
            continue;
        const std::uint64_t frame_begin = answer.offset;
        const std::uint64_t frame_end = answer.offset + answer.header_size + answer.size;
        const std::uint64_t from = std::max(begin, frame_begin);
        const std::uint64_t to = std::min(end, frame_end);
        if (from >= to)
            continue;
        explained += to - from;
        const bool has_start = from == frame_begin;
        const bool has_end = to == frame_end;
        const char* what = has_start && has_end ? "all of"
                           : has_start          ? "start of"
                           : has_end            ? "end of"
                                                : "middle of";
        parts += (parts.empty() ? "" : ", ") + std::string(what) + " answer " +
                 std::to_string(i + 1) + " (";
        parts += has_start && has_end ? util::counted(to - from, "byte") + ")"
                                      : std::to_string(to - from) + " of " +
                                            std::to_string(frame_end - frame_begin) + ")";
    }
    if (explained < recv.size)
        parts += (parts.empty() ? "" : ", ") + util::counted(recv.size - explained, "byte") +
                 " of unknown answers";
    return out + (parts.empty() ? "" : ": " + parts);
}

namespace {

// Answer text for a terminal: every byte escaped except line breaks.
void print_body(std::ostream& out, const std::string& body) {
    std::size_t start = 0;
    while (start < body.size()) {
        const auto newline = body.find('\n', start);
        const auto stop = newline == std::string::npos ? body.size() : newline;
        out << util::escape_text(std::string_view(body).substr(start, stop - start));
        if (newline == std::string::npos)
            break;
        out << '\n';
        start = newline + 1;
    }
    if (!body.empty() && body.back() != '\n')
        out << '\n';
}

void print_recv(std::ostream& out, const RecvRecord& recv) {
    out << "  recv(" << recv.requested << ") -> " << util::counted(recv.size, "byte") << ": "
        << util::escape_text(recv.bytes, 60) << '\n';
}

int print_answer(std::ostream& out, const ClientOptions& options, const Answer& answer) {
    print_body(out, answer.received);
    if (options.framing == Framing::none)
        return 0;
    out << "-- " << util::counted(answer.size, "byte");
    if (answer.server_error)
        out << ", server reported an error";
    if (answer.check != AnswerCheck::unverified)
        out << ", " << answer_check_name(answer.check) << " (offset pattern checked)";
    else
        out << ", complete as declared";
    if (!answer.note.empty())
        out << ": " << answer.note;
    out << '\n';
    return answer.check == AnswerCheck::corrupt || answer.server_error ? 1 : 0;
}

int run_udp_client(const ClientOptions& options, const HostPort& where, std::istream& in,
                   std::ostream& out, std::ostream& err);

} // namespace

int run_client(const ClientOptions& options, std::istream& in, std::ostream& out,
               std::ostream& err) {
    HostPort where;
    std::string error;
    if (!parse_host_port(options.target, where, error)) {
        err << "sniff client: " << error << '\n';
        return 2;
    }
    if (!options.upload_file.empty() && (options.udp || options.framing != Framing::json_header)) {
        err << "sniff client: --upload needs TCP with --framing json-header\n";
        return 2;
    }
    if (options.udp)
        return run_udp_client(options, where, in, out, err);
    ScriptOptions script;
    script.host = where.host;
    script.port = where.port;
    script.framing = options.framing;
    script.recv_size = options.recv_size;
    script.timeout_ms = options.timeout_ms;
    script.predict = false; // the server may run a shell: only `bytes N` is checkable
    if (options.recv_size != 0)
        script.on_recv = [&out](const RecvRecord& recv) { print_recv(out, recv); };
    ClientRun run;
    ClientSession session(script, run);
    if (!session.connect()) {
        err << "sniff client: " << run.error << '\n';
        return 2;
    }
    int status = 0;
    const auto finish_one = [&] {
        session.finish();
        status = std::max(status, print_answer(out, options, run.answers.back()));
        run.answers.clear();
    };
    if (!options.upload_file.empty()) {
        if (!session.upload(UploadSpec{options.upload_file, {}, {}})) {
            err << "sniff client: " << run.error << '\n';
            return 2;
        }
        finish_one();
    }
    const bool interactive = options.commands.empty() && options.upload_file.empty();
    std::size_t next = 0;
    for (;;) {
        std::string command;
        if (interactive) {
            out << ">> " << std::flush;
            if (!std::getline(in, command) || command == "quit")
                break;
            if (command.empty())
                continue;
        } else if (next < options.commands.size()) {
            command = options.commands[next++];
        } else {
            break;
        }
        if (!session.send_command(command) || !session.read_answer(command)) {
            err << "sniff client: " << run.error << '\n';
            return 2;
        }
        finish_one();
    }
    return status;
}

namespace {

int run_udp_client(const ClientOptions& options, const HostPort& where, std::istream& in,
                   std::ostream& out, std::ostream& err) {
    std::string error;
    Fd fd = open_client_socket(where, SocketKind::udp, error);
    if (!fd.valid()) {
        err << "sniff client: " << error << '\n';
        return 2;
    }
    const std::size_t capacity = options.recv_size != 0 ? options.recv_size : 65'536;
    std::string buffer(capacity, '\0');
    const bool interactive = options.commands.empty();
    std::size_t next = 0;
    for (;;) {
        std::string command;
        if (interactive) {
            out << ">> " << std::flush;
            if (!std::getline(in, command) || command == "quit")
                break;
        } else if (next < options.commands.size()) {
            command = options.commands[next++];
        } else {
            break;
        }
        if (::send(fd.get(), command.data(), command.size(), 0) < 0) {
            err << "sniff client: send failed\n";
            return 2;
        }
        if (wait_readable(fd.get(), options.timeout_ms) <= 0) {
            err << "sniff client: no answer datagram (UDP may lose it; is the server up?)\n";
            return 2;
        }
        // MSG_TRUNC makes recv return the datagram's real size even when the buffer is smaller.
        const ssize_t size = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_TRUNC);
        if (size < 0) {
            err << "sniff client: recv failed\n";
            return 2;
        }
        const auto real = static_cast<std::size_t>(size);
        const std::size_t kept = std::min(real, capacity);
        print_body(out, buffer.substr(0, kept));
        out << "-- datagram of " << util::counted(real, "byte");
        if (real > kept)
            out << ", cut to " << kept << " by recv(" << capacity << "): the rest is lost";
        out << '\n';
    }
    return 0;
}

} // namespace

} // namespace sniff::commands
