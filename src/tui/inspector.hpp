#pragma once
// The inspector's state and behaviour without a terminal: a key goes in, a KeyResult comes out,
// and render() draws the current view into a Screen. Two views: the flow list, and one flow with
// both directions' byte lanes, its message list, segment list, message details and stats.

#include "store/flow_store.hpp"
#include "tui/keys.hpp"
#include "tui/lanes.hpp"
#include "tui/screen.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>

namespace sniff::tui {

enum class Pane : std::uint8_t { c2s_bytes, s2c_bytes, messages, segments };
enum class SortKey : std::uint8_t { id, bytes, messages, anomalies };
enum class PromptKind : std::uint8_t { none, search, filter, framing, go_to, save };
// Which messages the flow view lists and steps through (key c).
enum class ClassFilter : std::uint8_t { all, split, coalesced };

// Where one direction's byte view stands.
struct DirectionView {
    std::uint64_t top = 0;    // stream offset of the first row drawn
    std::uint64_t cursor = 0; // highlighted byte
    std::size_t message = 0;  // selected message
    std::size_t segment = 0;  // selected segment
};

// A guided caption for a flow (sniff demo): a short tag shown in the flow list's row and a
// sentence saying what to look at, shown under the list and in the flow view.
struct Caption {
    std::string tag;
    std::string text;
};
using Captioner = std::function<std::optional<Caption>(const store::FlowRecord&)>;

class Inspector {
public:
    explicit Inspector(store::FlowStore& store) : m_store(store) {}

    KeyResult handle_key(const Key& key);
    void render(Screen& screen);

    // Status line text (errors are shown in the error style).
    void set_status(std::string text, bool error = false);
    bool in_flow_view() const { return m_open_flow != 0; }
    std::uint64_t open_flow() const { return m_open_flow; }
    bool hex() const { return m_hex; }
    ClassFilter class_filter() const { return m_class_filter; }
    const std::string& filter() const { return m_filter; }
    bool prompting() const { return m_prompt != PromptKind::none; }
    model::Direction active_direction() const { return m_direction; }
    const DirectionView& view_of(model::Direction d) const { return m_views[static_cast<int>(d)]; }
    // Flow ids in list order after sort and filter.
    std::vector<std::uint64_t> visible_flows() const;
    // Opens a flow by id (as Enter on its row does).
    void open(std::uint64_t flow_id);

    // Follow mode (key F; on by default for live sources): the flow list selects the newest
    // flow and the flow view keeps the newest bytes and messages in view. Moving by hand turns
    // it off.
    void set_follow(bool on) {
        m_follow = on;
        ++m_revision;
    }
    bool follow() const { return m_follow; }
    // What feeds the store, for the list's title ("proxy 127.0.0.1:9000 → 127.0.0.1:8080").
    void set_source(std::string text) {
        m_source = std::move(text);
        ++m_revision;
    }
    void set_captioner(Captioner captioner) {
        m_captioner = std::move(captioner);
        ++m_revision;
    }
    // Bumped when something set from outside (status, source, follow) changes the picture, so a
    // loop redraws without a key or new data.
    std::uint64_t revision() const { return m_revision; }

private:
    // Flow list (flow_list.cpp).
    KeyResult list_key(const Key& key);
    KeyResult list_click(int row); // selects the flow on that screen row; opens it if selected
    static constexpr int k_wheel_rows = 3; // rows a wheel step scrolls
    void render_list(Screen& screen);
    std::string flow_row_text(const store::FlowRecord& record) const;

    // Flow view (flow_view.cpp and flow_panes.cpp).
    KeyResult flow_key(const Key& key);
    void render_flow(Screen& screen);
    void render_direction(Screen& screen, int top, int height, model::Direction direction);
    void render_messages(Screen& screen, int top, int left, int height, int width);
    static std::string message_row(const store::StoredMessage& message);
    static const char* const k_message_columns; // the header of message_row's columns
    void render_segments(Screen& screen, int top, int left, int height, int width);
    void render_details(Screen& screen, int top, int left, int height, int width);
    std::string stats_line() const;
    int lane_rows(model::Direction direction) const; // rows of lanes that fit in its pane
    ByteLanes lanes(model::Direction direction) const;
    void scroll_rows(model::Direction direction, int rows);
    void ensure_visible(model::Direction direction, std::uint64_t offset);
    void select_message(std::size_t index);
    void select_segment(std::size_t index);
    void sync_from_cursor(model::Direction direction);
    void search(const std::string& query);
    void apply_framing(const std::string& text);
    void follow_tail(model::Direction direction);

    // Finding things in the flow view (flow_find.cpp): the class filter, the next anomaly or
    // gap, a frame number or stream offset.
    bool shown(const store::StoredMessage& message) const;
    // Index of the nearest shown message at or after `from` (forward) or at or before it
    // (backward); nullopt when none.
    std::optional<std::size_t> shown_message(const store::DirectionData& data, std::size_t from,
                                             bool forward) const;
    void cycle_class_filter();
    void step_messages(long steps); // through the shown messages, from the selected one
    void jump_to_problem(bool forward);
    void go_to(const std::string& text);
    bool go_to_frame(std::uint64_t frame);

    // Saving the current view as text (view_save.cpp).
    std::string default_save_name() const;
    void save_view(const std::string& path);
    std::string view_text() const;
    std::optional<Caption> caption_of(const store::FlowRecord& record) const;
    void render_caption(Screen& screen, int row, int height, const std::string& text);
    const store::FlowRecord* flow() const { return m_store.find(m_open_flow); }

    // Prompt and help (inspector.cpp).
    KeyResult prompt_key(const Key& key);
    void submit_prompt();
    void set_list_filter(const std::string& text);
    void render_status(Screen& screen);
    void render_help(Screen& screen);

    store::FlowStore& m_store;
    int m_rows = 24;
    int m_columns = 80;
    bool m_help = false;
    bool m_hex = false;
    std::string m_status;
    bool m_status_error = false;
    PromptKind m_prompt = PromptKind::none;
    std::string m_prompt_text;
    std::string m_filter_before; // restored when the filter prompt is left with Esc
    bool m_follow = false;
    std::uint64_t m_revision = 0;
    std::string m_source;
    Captioner m_captioner;

    // Flow list.
    std::size_t m_list_selected = 0;
    std::size_t m_list_top = 0;
    SortKey m_sort = SortKey::id;
    std::string m_filter;

    // Flow view.
    std::uint64_t m_open_flow = 0; // 0: the flow list is shown
    Pane m_focus = Pane::c2s_bytes;
    model::Direction m_direction = model::Direction::c2s;
    std::array<DirectionView, 2> m_views{};
    ClassFilter m_class_filter = ClassFilter::all;
};

} // namespace sniff::tui
