#include "sources/framing_cut_planner.hpp"

#include "dissectors/framings.hpp"

#include <algorithm>

namespace sniff::sources {

namespace {

// Header bytes carried from one read to the next are capped: a framing asking for more than this
// to find a length is not worth following here.
constexpr std::size_t k_max_carry = 64 * 1024;

class FramingCutPlanner final : public proxy::CutPlanner {
public:
    FramingCutPlanner(std::unique_ptr<dissect::Framing> framing, model::Direction direction)
        : m_framing(std::move(framing)), m_direction(direction) {}

    void plan(util::Bytes data, std::vector<std::size_t>& cuts) override {
        if (!m_framing || m_lost) {
            m_generic.plan(data, cuts);
            return;
        }
        std::vector<std::size_t> wanted;
        std::uint64_t at = 0; // offset in data of the bytes not yet explained
        while (at < data.size()) {
            if (m_body_left > 0) {
                const auto skip = std::min<std::uint64_t>(m_body_left, data.size() - at);
                m_body_left -= skip;
                at += skip;
                continue;
            }
            if (!find_message(data, at, wanted))
                break;
        }
        std::sort(wanted.begin(), wanted.end());
        wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
        for (const auto cut : wanted)
            if (cut > 0 && cut < data.size())
                cuts.push_back(cut);
        if (m_lost && cuts.empty())
            m_generic.plan(data, cuts);
    }

private:
    // Asks the framing about the message starting at data[at] (after any carried head bytes).
    // Returns false when the rest of the read must wait for more bytes or framing is lost.
    bool find_message(util::Bytes data, std::uint64_t& at, std::vector<std::size_t>& wanted) {
        const auto available = data.subspan(at);
        const std::uint64_t carried = m_head.size();
        m_head.insert(m_head.end(), available.begin(), available.end());
        const auto result = m_framing->frame(m_direction, m_head, 0);
        if (result.kind != dissect::FrameResult::Kind::message || result.total <= carried) {
            const bool waiting = result.kind == dissect::FrameResult::Kind::need_more &&
                                 result.feed == dissect::Feed::head && result.need <= k_max_carry;
            if (!waiting)
                m_lost = true;
            else if (m_head.size() > k_max_carry)
                m_lost = true;
            at = data.size(); // keep m_head: the next read continues it
            return false;
        }
        // The message starts `carried` bytes before data[at].
        const std::int64_t start =
            static_cast<std::int64_t>(at) - static_cast<std::int64_t>(carried);
        add_cuts(start, result.header, wanted);
        m_head.clear();
        const std::uint64_t in_this_read =
            std::min<std::uint64_t>(result.total - carried, data.size() - at);
        m_body_left = result.total - carried - in_this_read;
        at += in_this_read;
        ++m_message;
        return true;
    }

    void add_cuts(std::int64_t start, std::uint64_t header, std::vector<std::size_t>& wanted) {
        auto want = [&wanted](std::int64_t position) {
            if (position > 0)
                wanted.push_back(static_cast<std::size_t>(position));
        };
        switch (m_message % 3) {
        case 0:
            want(start + 1);
            want(start + static_cast<std::int64_t>(header));
            break;
        case 1:
            want(start - 1);
            want(start + 1);
            break;
        default:
            break;
        }
    }

    std::unique_ptr<dissect::Framing> m_framing;
    model::Direction m_direction;
    proxy::GenericCutPlanner m_generic;
    std::vector<std::byte> m_head; // head bytes of a message whose length is not known yet
    std::uint64_t m_body_left = 0;
    std::uint64_t m_message = 0;
    bool m_lost = false;
};

} // namespace

proxy::CutPlannerFactory framing_cut_planner(const dissect::FramingSpec& spec) {
    return [spec](model::Direction direction) -> std::unique_ptr<proxy::CutPlanner> {
        return std::make_unique<FramingCutPlanner>(dissect::make_framing(spec), direction);
    };
}

} // namespace sniff::sources
