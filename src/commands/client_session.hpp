#pragma once
// Internal to the client: one connection to a command server, exchanging one command at a time
// and recording every recv into a ClientRun.

#include "commands/client.hpp"
#include "commands/socket_io.hpp"

#include <optional>

namespace sniff::commands {

class ClientSession {
public:
    ClientSession(const ScriptOptions& options, ClientRun& run);

    bool connect(); // false with run.error set
    bool send_command(const std::string& command);
    // Reads the answer to `command` (already sent); false when the connection failed.
    bool read_answer(const std::string& command);
    bool upload(const UploadSpec& upload);
    // none: half-closes and reads what is left until the server closes.
    void drain();
    // Fills in none-mode boundaries from predictions and checks every answer.
    void finish();

private:
    enum class Read { data, closed, timeout, error };
    Read read_once(int timeout_ms, bool drain);
    bool fill_frame(Decoded& decoded, bool line, std::size_t max);
    std::string take(std::size_t count);
    bool fail(const std::string& message);
    void check(Answer& answer) const;

    const ScriptOptions& m_options;
    ClientRun& m_run;
    Fd m_fd;
    std::size_t m_recv_size;
    std::string m_pending;        // received, not yet assigned to an answer
    std::uint64_t m_consumed = 0; // stream offset of m_pending[0]
    std::uint64_t m_received = 0; // stream offset after the last byte received
};

// The built-in answer a command must produce (default limits), or nullopt for none.
std::optional<std::string> predict_answer(const std::string& command);

} // namespace sniff::commands
