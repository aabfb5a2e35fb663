#pragma once
// What the response direction of an HTTP/1 connection must know about the requests: the methods
// of the requests not yet answered, oldest first (pipelining), bounded so a client that is never
// answered cannot grow it without end.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace sniff::dissect {

inline constexpr std::size_t k_max_unanswered = 1024;

class Http1Exchange {
public:
    // A request's head was read; its method is remembered for the response that answers it.
    void on_request(std::string method) {
        if (m_unanswered.size() == k_max_unanswered) {
            ++m_forgotten; // the oldest is dropped; its response is framed by its headers alone
            m_unanswered.pop_front();
        }
        m_unanswered.push_back(std::move(method));
    }
    // A final (non-1xx) response's head was read: the method of the request it answers, or
    // nullopt when none is known (the capture began after the request, or it was dropped).
    std::optional<std::string> on_final_response() {
        if (m_unanswered.empty())
            return std::nullopt;
        std::string method = std::move(m_unanswered.front());
        m_unanswered.pop_front();
        return method;
    }
    std::size_t unanswered() const { return m_unanswered.size(); }
    std::size_t forgotten() const { return m_forgotten; }

private:
    std::deque<std::string> m_unanswered;
    std::size_t m_forgotten = 0;
};

} // namespace sniff::dissect
