// The broker and mail framings (stomp, amqp, smtp): one message per protocol message, the same
// messages at every split point and in one-byte chunks, and hostile lengths. Expected boundaries
// are laid out here by hand from the protocols' documents (STOMP 1.2, AMQP 0-9-1 section 4.2.3,
// RFC 5321 / 3030 / 3207).

#include "split_check.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

// A STOMP frame: its header is everything up to and including the blank line.
Part stomp_frame(const std::string& command, const std::string& headers, const std::string& body,
                 const std::string& eol = "\n") {
    const std::string head = command + eol + headers + eol;
    return {head + body + std::string(1, '\0'), head.size(), false,
            R"({"stomp":")" + command + R"("})"};
}

Part heart_beat(const std::string& eol) {
    return {eol, 0, false, R"({"stomp":"heart-beat"})"};
}

std::vector<Part> stomp_client() {
    return {
        stomp_frame("CONNECT", "accept-version:1.2\nhost:/\nheart-beat:100,100\n", ""),
        heart_beat("\n"),
        // content-length: the body holds a NUL; a later content-length header does not count.
        stomp_frame("SEND", "destination:/queue/a\r\ncontent-length:5\r\ncontent-length:1\r\n",
                    std::string("he\0lo", 5), "\r\n"),
        heart_beat("\r\n"),
        stomp_frame("SUBSCRIBE", "id:0\ndestination:/queue/a\nack:auto\n", ""),
        stomp_frame("SEND", "destination:/queue/a\ncontent-length:0\n", ""),
        stomp_frame("SEND", "destination:/queue/a\n", "a body without a length"),
        stomp_frame("DISCONNECT", "receipt:77\n", ""),
    };
}

std::vector<Part> stomp_server() {
    std::string big(300, 'm');
    big[100] = '\0';
    return {
        stomp_frame("CONNECTED", "version:1.2\nheart-beat:100,100\n", ""),
        stomp_frame("MESSAGE", "subscription:0\nmessage-id:1\ncontent-length:300\n", big),
        heart_beat("\n"),
        heart_beat("\n"),
        stomp_frame("RECEIPT", "receipt-id:77\n", ""),
        stomp_frame("ERROR", "message:malformed frame received\n", "detail"),
    };
}

std::string amqp_frame(std::uint8_t type, std::uint16_t channel, const std::string& payload) {
    std::string out(1, static_cast<char>(type));
    put_uint(out, channel, 2, false);
    put_uint(out, payload.size(), 4, false);
    return out + payload + "\xCE";
}

std::string method_payload(std::uint16_t class_id, std::uint16_t method_id,
                           const std::string& arguments) {
    std::string out;
    put_uint(out, class_id, 2, false);
    put_uint(out, method_id, 2, false);
    return out + arguments;
}

std::string content_header_payload(std::uint64_t body_size) {
    std::string out;
    put_uint(out, 60, 2, false); // class basic
    put_uint(out, 0, 2, false);  // weight
    put_uint(out, body_size, 8, false);
    put_uint(out, 0, 2, false); // no properties
    return out;
}

std::string method_json(std::uint16_t channel, std::uint16_t class_id, std::uint16_t method_id) {
    return R"({"amqp":"method","channel":)" + std::to_string(channel) + R"(,"class":)" +
           std::to_string(class_id) + R"(,"method":)" + std::to_string(method_id) + "}";
}

// A client's conversation: protocol header, Connection.StartOk, a publish of 1000 bytes in two
// body frames, a publish of an empty body, a heartbeat.
struct AmqpClient {
    std::vector<Part> frames;  // one message per frame
    std::vector<Part> content; // amqp:content: a content's frames as one message
};

AmqpClient amqp_client() {
    const std::string header("AMQP\0\0\x09\x01", 8);
    const std::string start_ok = amqp_frame(1, 0, method_payload(10, 11, std::string(40, 'a')));
    const std::string publish =
        amqp_frame(1, 1, method_payload(60, 40, std::string("\0\0\1q\0", 5)));
    const std::string content = amqp_frame(2, 1, content_header_payload(1000));
    const std::string body1 = amqp_frame(3, 1, std::string(600, 'b'));
    const std::string body2 = amqp_frame(3, 1, std::string(400, 'c'));
    const std::string empty_publish = publish;
    const std::string empty_content = amqp_frame(2, 1, content_header_payload(0));
    const std::string heartbeat = amqp_frame(8, 0, "");
    const std::string body_json = R"({"amqp":"content-body","channel":1})";
    AmqpClient out;
    out.frames = {
        {header, 8, false, R"({"amqp":"protocol-header"})"},
        {start_ok, 7, false, method_json(0, 10, 11)},
        {publish, 7, false, method_json(1, 60, 40)},
        {content, 7, false, R"({"amqp":"content-header","channel":1,"body_size":1000})"},
        {body1, 7, false, body_json},
        {body2, 7, false, body_json},
        {empty_publish, 7, false, method_json(1, 60, 40)},
        {empty_content, 7, false, R"({"amqp":"content-header","channel":1,"body_size":0})"},
        {heartbeat, 7, false, R"({"amqp":"heartbeat"})"},
    };
    const std::string grouped = method_json(1, 60, 40);
    const std::string grouped_prefix = grouped.substr(0, grouped.size() - 1);
    out.content = {
        out.frames[0],
        out.frames[1],
        {publish + content + body1 + body2, 7, false, grouped_prefix + R"(,"frames":4})"},
        {empty_publish + empty_content, 7, false, grouped_prefix + R"(,"frames":2})"},
        out.frames[8],
    };
    return out;
}

// An SMTP conversation, step by step in the order the two sides sent them, with the messages
// each step holds.
struct Expected {
    std::size_t length;
    std::uint64_t header;
    std::string json;
};
struct Step {
    Direction direction;
    std::string bytes;
    std::vector<Expected> messages;
};

Expected command_of(const std::string& line, std::uint64_t chunk = 0) {
    const auto verb = line.substr(0, line.find_first_of(" \r"));
    return {line.size() + chunk, line.size(),
            R"({"smtp":")" + verb + "\"" +
                (verb == "BDAT" ? ",\"chunk\":" + std::to_string(chunk) : std::string()) + "}"};
}

Expected reply_of(const std::string& text, int code, int lines = 1) {
    return {text.size(), 0,
            R"({"smtp":)" + std::to_string(code) +
                (lines > 1 ? ",\"lines\":" + std::to_string(lines) : std::string()) + "}"};
}

std::vector<Step> smtp_conversation() {
    const std::string ehlo_reply =
        "250-mail.example\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n";
    const std::string content = "Subject: x\r\n\r\n..stuffed\r\n.a\r\nend\r\n.\r\n";
    const std::string client_hello = std::string("\x16\x03\x01\x00\x05", 5) + "hello";
    const std::string server_hello = std::string("\x16\x03\x03\x00\x02", 5) + "hi";
    const std::string app_data = std::string("\x17\x03\x03\x00\x01", 5) + "x";
    const auto c2s = Direction::c2s;
    const auto s2c = Direction::s2c;
    return {
        {s2c, "220 mail.example ESMTP\r\n", {reply_of("220 mail.example ESMTP\r\n", 220)}},
        {c2s, "EHLO client\r\n", {command_of("EHLO client\r\n")}},
        {s2c, ehlo_reply, {reply_of(ehlo_reply, 250, 4)}},
        {c2s,
         "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
         {command_of("MAIL FROM:<a@b>\r\n"), command_of("RCPT TO:<c@d>\r\n"),
          command_of("DATA\r\n")}},
        {s2c,
         "250 OK\r\n250 OK\r\n354 go ahead\r\n",
         {reply_of("250 OK\r\n", 250), reply_of("250 OK\r\n", 250),
          reply_of("354 go ahead\r\n", 354)}},
        // PIPELINING: a command right behind the content; the content's reply comes first.
        {c2s,
         content + "NOOP\r\n",
         {{content.size(), 0, R"({"smtp":"data","lines":6})"}, command_of("NOOP\r\n")}},
        {s2c,
         "250 queued\r\n250 OK\r\n",
         {reply_of("250 queued\r\n", 250), reply_of("250 OK\r\n", 250)}},
        // DATA refused: what follows is a command, not content.
        {c2s,
         "MAIL FROM:<a@b>\r\nRCPT TO:<x@d>\r\nDATA\r\n",
         {command_of("MAIL FROM:<a@b>\r\n"), command_of("RCPT TO:<x@d>\r\n"),
          command_of("DATA\r\n")}},
        {s2c,
         "250 OK\r\n550 no such user\r\n554 no valid recipients\r\n",
         {reply_of("250 OK\r\n", 250), reply_of("550 no such user\r\n", 550),
          reply_of("554 no valid recipients\r\n", 554)}},
        {c2s, "RSET\r\n", {command_of("RSET\r\n")}},
        {s2c, "250 OK\r\n", {reply_of("250 OK\r\n", 250)}},
        {c2s,
         "BDAT 10\r\n0123456789BDAT 5 LAST\r\nab\r\nc",
         {command_of("BDAT 10\r\n", 10), command_of("BDAT 5 LAST\r\n", 5)}},
        {s2c,
         "250 10 octets\r\n250 5 octets\r\n",
         {reply_of("250 10 octets\r\n", 250), reply_of("250 5 octets\r\n", 250)}},
        {c2s, "STARTTLS\r\n", {command_of("STARTTLS\r\n")}},
        {s2c, "220 ready\r\n", {reply_of("220 ready\r\n", 220)}},
        {c2s, client_hello, {{client_hello.size(), 5, ""}}},
        {s2c, server_hello + app_data, {{server_hello.size(), 5, ""}, {app_data.size(), 5, ""}}},
    };
}

// Runs the conversation with step `cut_step` cut at `cut` (0: whole) or, with bytewise, every
// step a byte at a time; checks every message of both directions.
void check_conversation(const std::vector<Step>& steps, std::size_t cut_step, std::size_t cut,
                        bool bytewise) {
    Recorder recorder;
    DissectorEngine engine(selector_of("smtp"), recorder);
    const model::Flow flow = make_flow();
    Driver driver(engine, flow);
    std::array<std::vector<Expected>, 2> expected;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Step& step = steps[i];
        if (bytewise)
            driver.send_chunks(step.direction, step.bytes,
                               std::vector<std::size_t>(step.bytes.size(), 1));
        else if (i == cut_step && cut > 0)
            driver.send_chunks(step.direction, step.bytes, {cut});
        else
            driver.send(step.direction, step.bytes);
        for (const Expected& message : step.messages)
            expected[static_cast<std::size_t>(step.direction)].push_back(message);
    }
    driver.close();
    for (const auto direction : {Direction::c2s, Direction::s2c}) {
        const auto got = recorder.of(direction);
        const auto& want = expected[static_cast<std::size_t>(direction)];
        INFO(model::direction_name(direction));
        REQUIRE(got.size() == want.size());
        std::uint64_t offset = 0;
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO("message " << i);
            CHECK(got[i].status == MessageStatus::complete);
            CHECK(got[i].offset == offset);
            CHECK(got[i].length == want[i].length);
            CHECK(got[i].header_length == want[i].header);
            if (!want[i].json.empty())
                CHECK(got[i].header_json == want[i].json);
            offset += want[i].length;
        }
    }
}

// The conversation's steps, whole, under `spec`.
std::vector<RecordedMessage> run_conversation(std::string_view spec, const std::vector<Step>& steps,
                                              std::vector<FramingChoice>& choices) {
    Recorder recorder;
    DissectorEngine engine(selector_of(spec), recorder);
    Driver driver(engine, make_flow(1, model::Protocol::tcp, 2525));
    for (const Step& step : steps)
        driver.send(step.direction, step.bytes);
    driver.close();
    choices = recorder.choices;
    return recorder.messages;
}

} // namespace

TEST_CASE("auto frames SMTP as smtp, the client's direction decided with the server's greeting",
          "[dissectors][smtp][auto]") {
    const auto steps = smtp_conversation();
    std::vector<FramingChoice> given_choices, auto_choices;
    const auto given = run_conversation("smtp", steps, given_choices);
    const auto guessed = run_conversation("auto", steps, auto_choices);
    REQUIRE(guessed.size() == given.size());
    for (std::size_t i = 0; i < given.size(); ++i) {
        INFO("message " << i);
        CHECK(guessed[i].direction == given[i].direction);
        CHECK(guessed[i].offset == given[i].offset);
        CHECK(guessed[i].length == given[i].length);
        CHECK(guessed[i].status == MessageStatus::complete);
    }
    REQUIRE(auto_choices.size() == 2);
    for (const auto& choice : auto_choices) {
        CHECK(choice.spec == "smtp");
        CHECK(choice.basis == (choice.direction == Direction::s2c ? "signature" : "peer"));
    }
}

TEST_CASE("stomp finds one message per frame, heart-beats marked, at every split point",
          "[dissectors][stomp]") {
    check_every_split("stomp", Direction::c2s, stomp_client());
    check_every_split("stomp", Direction::s2c, stomp_server());
}

TEST_CASE("stomp refuses lengths it cannot trust and resynchronises after a NUL",
          "[dissectors][stomp]") {
    const auto over =
        run("stomp:max=1000", Direction::c2s, "SEND\ncontent-length:99999999999999\n\nx\0", {40});
    REQUIRE(!over.empty());
    CHECK(over[0].status == MessageStatus::malformed);
    const std::string no_nul("SEND\ncontent-length:2\n\nabX", 27);
    const auto bad_end = run("stomp", Direction::c2s, no_nul, {no_nul.size()});
    REQUIRE(!bad_end.empty());
    CHECK(bad_end[0].status == MessageStatus::malformed);
    // A frame that does not start with a command is skipped up to its NUL; the next one counts.
    const std::string garbage = std::string("send\n\nx\0", 8) + std::string("SEND\n\nok\0", 9);
    const auto resync = run("stomp", Direction::c2s, garbage, {garbage.size()});
    REQUIRE(resync.size() == 2);
    CHECK(resync[0].status == MessageStatus::malformed);
    CHECK(resync[1].status == MessageStatus::complete);
    CHECK(resync[1].length == 9);
}

TEST_CASE("amqp finds one message per frame at every split point", "[dissectors][amqp]") {
    check_every_split("amqp", Direction::c2s, amqp_client().frames);
}

TEST_CASE("amqp:content makes a content's frames one message at every split point",
          "[dissectors][amqp]") {
    check_every_split("amqp:content", Direction::c2s, amqp_client().content);
}

TEST_CASE("amqp refuses a wrong end octet, unknown types and sizes over max",
          "[dissectors][amqp]") {
    std::string bad_end = amqp_frame(1, 0, method_payload(10, 10, "xy"));
    bad_end.back() = '\xCD';
    const auto got = run("amqp", Direction::s2c, bad_end, {bad_end.size()});
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == MessageStatus::malformed);
    const std::string unknown = amqp_frame(9, 0, "abc");
    CHECK(run("amqp", Direction::s2c, unknown, {unknown.size()}).at(0).status ==
          MessageStatus::malformed);
    // A size of 4 GiB over max: refused from the 7-byte header alone, nothing allocated.
    const std::string huge("\x03\x00\x01\xff\xff\xff\xff", 7);
    const auto over = run("amqp:max=65536", Direction::c2s, huge, {huge.size()});
    REQUIRE(over.size() == 1);
    CHECK(over[0].status == MessageStatus::malformed);
    CHECK(run("amqp", Direction::c2s, std::string("AMQX\0\0\x09\x01", 8), {8}).at(0).status ==
          MessageStatus::malformed);
}

TEST_CASE("smtp pairs replies with commands: DATA content, BDAT chunks, STARTTLS then TLS",
          "[dissectors][smtp]") {
    const auto steps = smtp_conversation();
    check_conversation(steps, 0, 0, false);
    check_conversation(steps, 0, 0, true);
    for (std::size_t step = 0; step < steps.size(); ++step)
        for (std::size_t cut = 1; cut < steps[step].bytes.size(); ++cut) {
            INFO("step " << step << " cut at " << cut);
            check_conversation(steps, step, cut, false);
        }
}

TEST_CASE("smtp refuses BDAT sizes it cannot trust and reply lines without a code",
          "[dissectors][smtp]") {
    const auto over = run("smtp:max=1000", Direction::c2s, "BDAT 99999999999\r\n", {18});
    REQUIRE(!over.empty());
    CHECK(over[0].status == MessageStatus::malformed);
    const auto not_reply = run("smtp", Direction::s2c, "hello\r\n220 ok\r\n", {15});
    REQUIRE(not_reply.size() == 2);
    CHECK(not_reply[0].status == MessageStatus::malformed);
    CHECK(not_reply[1].status == MessageStatus::complete);
}
