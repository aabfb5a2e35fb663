#pragma once
// `sniff client` and the scripted client behind `sniff demo`: sends command lines to a command
// server (framing.hpp has the wire layouts) and reads the answers the way the article's client
// does, recording every recv() so the application's side of the sticky effect is visible.
//
// Per framing, the reader does what the article's client does:
//   none        one recv(recv_size) per command, taken as "the answer" (the bug: a long answer
//               bleeds into the next command's recv, a short recv leaves leftovers)
//   ascii-len   reads the length line, sends "ready\n", loops recv until the body is complete
//   struct,     reads the header, loops recv until the declared body is complete
//   json-header
// Built-in commands are deterministic, so the scripted client predicts each true answer and can
// say which bytes of each recv belonged to which answer, even for `none`.

#include "commands/framing.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace sniff::commands {

// What one recv() returned. offset is the stream offset (server to client) of its first byte.
struct RecvRecord {
    std::size_t size = 0;
    std::string bytes;
    std::uint64_t offset = 0;
    std::size_t requested = 0; // the N of recv(N)
    bool drain = false;        // read after the last command (none: leftovers at close)
};

enum class AnswerCheck { intact, corrupt, unverified };
const char* answer_check_name(AnswerCheck check); // "intact", "corrupt", "unverified"

struct Answer {
    std::string command;
    std::uint64_t offset = 0; // where this answer (its framing header first) starts in the stream
    std::size_t header_size = 0; // framing bytes before the body (length line, prefix, JSON)
    std::size_t size = 0;        // true body size: declared by the framing, predicted for none
    bool boundary_known = true;  // false for none after a command whose answer is unpredictable
    std::string received;        // what the client took as this answer's body
    bool server_error = false;   // json-header status "error"
    AnswerCheck check = AnswerCheck::unverified;
    std::string note; // why corrupt / what was compared
};

struct ClientRun {
    std::vector<RecvRecord> recvs;
    std::vector<Answer> answers;
    std::string error; // connection-level failure; empty when every command got its turn
    [[nodiscard]] bool all_intact() const;
};

struct ScriptOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    Framing framing = Framing::json_header;
    std::size_t recv_size = 0; // 0: 1024 for none (the article's), 65536 otherwise
    int recv_delay_ms = 0;     // wait before reading each answer, so the bytes pile up (demo)
    bool pipeline = false;     // struct/json-header: send every command before reading answers
    bool predict = true;       // compare answers with the built-ins' predictions
    bool drain = true;         // none: after the last command, half-close and read what is left
    int timeout_ms = 30'000;   // per recv while an answer is incomplete
    int none_wait_ms = 1'000;  // none: how long one recv waits for anything
    std::size_t max_answer = 256 * 1024 * 1024;
    std::function<void(const RecvRecord&)> on_recv; // called after each recv (printing)
};

// Connects, runs the commands in order and returns every recv and answer.
ClientRun run_script(const ScriptOptions& options, const std::vector<std::string>& commands);

// The article's upload over json-header: {"cmd":"upload","file_name","file_size","md5"} then the
// file. The overrides let a test send a hostile name or a wrong md5; empty means "from the file".
struct UploadSpec {
    std::string path;
    std::string name_override;
    std::string md5_override;
};
ClientRun run_upload(const ScriptOptions& options, const UploadSpec& upload);

// "recv #3: 1024 bytes at 2048: end of answer 2 (476 bytes), start of answer 3 (548 of 3000)".
// Uses only answers whose boundary is known.
std::string describe_recv(const ClientRun& run, std::size_t recv_index);

// What `sniff client` takes.
struct ClientOptions {
    std::string target; // HOST:PORT
    Framing framing = Framing::json_header;
    bool udp = false;
    std::vector<std::string> commands; // -e; none and no upload: interactive
    std::string upload_file;           // --upload (json-header, TCP only)
    std::size_t recv_size = 0;         // --recv-size: print every recv (0: don't print)
    int timeout_ms = 30'000;
};

// Runs the client; 0 when every answer arrived intact (or unverified), 1 when an answer was
// corrupt or the server reported an error, 2 on usage or connection errors.
int run_client(const ClientOptions& options, std::istream& in, std::ostream& out,
               std::ostream& err);

} // namespace sniff::commands
