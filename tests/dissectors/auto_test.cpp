// `auto` guesses the article's framings and common protocols from generated streams, and says it
// is unsure on random bytes.

#include "dissectors/auto_detect.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using namespace sniff::dissect;
using namespace sniff::dissect::test;

namespace {

struct Sample {
    std::string bytes;
    std::vector<std::uint64_t> segment_ends;
};

// Messages of random bodies, sent one per segment except that every fifth pair is glued and
// every seventh message is split, as a real sender under Nagle would produce.
Sample make_sample(const std::string& kind, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Sample sample;
    for (int i = 0; i < 40; ++i) {
        const std::size_t body = 1 + rng() % 400;
        std::string m;
        std::string payload;
        for (std::size_t k = 0; k < body; ++k)
            payload += static_cast<char>(kind == "lines" || kind == "crlf" ? 'a' + rng() % 26
                                                                           : rng() % 256);
        if (kind == "struct") {
            put_uint(m, body, 4, true);
            m += payload;
        } else if (kind == "dns-tcp") {
            put_uint(m, body, 2, false);
            m += payload;
        } else if (kind == "json-header") {
            const std::string json = R"({"cmd":"dir","data_size":)" + std::to_string(body) + "}";
            put_uint(m, json.size(), 4, true);
            m += json + payload;
        } else if (kind == "lines") {
            m = payload + "\n";
        } else {
            m = payload + "\r\n";
        }
        sample.bytes += m;
        if (i % 7 == 3)
            sample.segment_ends.push_back(sample.bytes.size() - m.size() / 2);
        if (i % 5 != 1)
            sample.segment_ends.push_back(sample.bytes.size());
    }
    if (sample.segment_ends.back() != sample.bytes.size())
        sample.segment_ends.push_back(sample.bytes.size());
    return sample;
}

Guess guess_on(const Sample& sample, bool whole = true) {
    return guess_framing(
        util::Bytes(reinterpret_cast<const std::byte*>(sample.bytes.data()), sample.bytes.size()),
        sample.segment_ends, whole);
}

} // namespace

TEST_CASE("auto guesses the framing of generated streams with confidence", "[dissectors][auto]") {
    const auto [kind, expected] = GENERATE(table<std::string, std::string>({
        {"struct", "len:size=4,le,signed"},
        {"dns-tcp", "len:size=2,be"},
        {"json-header", "json:size=4,le"},
        {"lines", "delim:\\n"},
        {"crlf", "delim:\\r\\n"},
    }));
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
        INFO(kind << " seed " << seed);
        const Guess guess = guess_on(make_sample(kind, seed));
        CHECK(guess.text == expected);
        CHECK(guess.confidence >= k_uncertain_below);
        CHECK_FALSE(guess.uncertain);
    }
}

TEST_CASE("auto is uncertain on random bytes", "[dissectors][auto]") {
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
        std::mt19937 rng(seed);
        Sample sample;
        while (sample.bytes.size() < 20000) {
            const std::size_t size = 1 + rng() % 1460;
            for (std::size_t i = 0; i < size; ++i)
                sample.bytes += static_cast<char>(rng() % 256);
            sample.segment_ends.push_back(sample.bytes.size());
        }
        INFO("seed " << seed);
        const Guess guess = guess_on(sample);
        CHECK(guess.uncertain);
        CHECK(guess.confidence < k_uncertain_below);
    }
}

TEST_CASE("a self-describing header whose body is still arriving decides auto",
          "[dissectors][auto]") {
    // The article's answer to `bytes 300000` seen through a 64 KiB window: one message, its
    // header whole, its body (lines of 100 bytes) cut by the window; segments of 1460 bytes.
    const auto window_of = [](std::string head, char fill) {
        Sample sample;
        sample.bytes = std::move(head);
        while (sample.bytes.size() < 65536)
            sample.bytes += std::string(99, fill) + "\n";
        for (std::uint64_t end = 1460; end < sample.bytes.size(); end += 1460)
            sample.segment_ends.push_back(end);
        sample.segment_ends.push_back(sample.bytes.size());
        return sample;
    };
    std::string json_head;
    const std::string header = R"({"cmd":"bytes","status":"ok","data_size":300000})";
    put_uint(json_head, header.size(), 4, true);
    const Sample json = window_of(json_head + header, 'x');
    const Guess json_guess = guess_on(json, false);
    CHECK(json_guess.text == "json:size=4,le");
    CHECK_FALSE(json_guess.uncertain);
    const Sample ascii = window_of("300000\n", 'y');
    const Guess ascii_guess = guess_on(ascii, false);
    CHECK(ascii_guess.spec.family == Family::ascii_len);
    CHECK_FALSE(ascii_guess.uncertain);
    // The same bytes as a whole stream ended inside the message: the header alone is no proof.
    CHECK(guess_on(json, true).confidence < json_guess.confidence);
    CHECK(guess_on(ascii, true).confidence < ascii_guess.confidence);
    // A length that is no JSON object, or a line that is no number, proves nothing.
    std::string bad_head;
    put_uint(bad_head, header.size(), 4, true);
    CHECK(guess_on(window_of(bad_head + std::string(header.size(), '{'), 'x'), false).text !=
          "json:size=4,le");
    CHECK(guess_on(window_of("300000 bytes follow\n", 'y'), false).spec.family !=
          Family::ascii_len);
}

TEST_CASE("a length alone is read with the other direction's messages", "[dissectors][auto]") {
    const auto bytes_of = [](const std::string& text) {
        return util::Bytes(reinterpret_cast<const std::byte*>(text.data()), text.size());
    };
    // The article's struct answer to `bytes 300000`: a 4-byte length, then 60 KB of its body.
    std::mt19937 rng(5);
    std::string answer;
    put_uint(answer, 300000, 4, true);
    for (int i = 0; i < 60000; ++i)
        answer += static_cast<char>(rng() % 256);
    std::string requests;
    std::vector<std::uint64_t> ends;
    for (const std::string command : {"bytes 300000", "echo hi"}) {
        put_uint(requests, command.size(), 4, true);
        requests += command;
        ends.push_back(requests.size());
    }
    const auto one = guess_with_peer(bytes_of(answer), bytes_of(requests.substr(0, ends[0])),
                                     std::span(ends).first(1), model::Direction::s2c);
    REQUIRE(one);
    CHECK(one->text == "len:size=4,le,signed");
    CHECK(one->uncertain); // one request proves little
    const auto two =
        guess_with_peer(bytes_of(answer), bytes_of(requests), ends, model::Direction::s2c);
    REQUIRE(two);
    CHECK(two->text == "len:size=4,le,signed");
    CHECK_FALSE(two->uncertain);
    // Requests that end off their segment ends, or random answers, give no joint cut.
    const std::vector<std::uint64_t> off_ends{ends[0] + 1, requests.size()};
    CHECK_FALSE(
        guess_with_peer(bytes_of(answer), bytes_of(requests), off_ends, model::Direction::s2c));
    int random_fits = 0;
    for (std::uint32_t seed = 1; seed <= 50; ++seed) {
        std::mt19937 noise(seed);
        std::string own(20000, '\0'), peer(200, '\0');
        for (auto& c : own)
            c = static_cast<char>(noise() % 256);
        for (auto& c : peer)
            c = static_cast<char>(noise() % 256);
        const std::vector<std::uint64_t> peer_ends{peer.size()};
        random_fits +=
            guess_with_peer(bytes_of(own), bytes_of(peer), peer_ends, model::Direction::s2c)
                .has_value();
    }
    INFO(random_fits << " of 50 random pairs fitted");
    CHECK(random_fits <= 2);
}

TEST_CASE("auto says little about a single chunk", "[dissectors][auto]") {
    Sample sample = make_sample("struct", 9);
    sample.segment_ends = {sample.bytes.size()};
    CHECK(guess_on(sample).uncertain);
}

TEST_CASE("the engine under auto reports its guess and frames with it", "[dissectors][auto]") {
    Recorder recorder;
    DissectorEngine engine(selector_of("auto"), recorder);
    Driver driver(engine, make_flow());
    const Sample sample = make_sample("struct", 4);
    std::vector<std::size_t> sizes;
    for (std::uint64_t last = 0; const std::uint64_t end : sample.segment_ends) {
        sizes.push_back(end - last);
        last = end;
    }
    driver.send_chunks(model::Direction::c2s, sample.bytes, sizes);
    driver.close();
    REQUIRE(recorder.choices.size() == 2);
    const FramingChoice& c2s = recorder.choices[0].direction == model::Direction::c2s
                                   ? recorder.choices[0]
                                   : recorder.choices[1];
    CHECK(c2s.guessed);
    CHECK(c2s.spec == "len:size=4,le,signed");
    CHECK(recorder.messages.size() == 40);
    CHECK(recorder.segments.size() == sizes.size());
    for (const auto& message : recorder.messages)
        CHECK(message.status == MessageStatus::complete);
}

TEST_CASE("the engine under auto decides once its window is full", "[dissectors][auto]") {
    Recorder recorder;
    EngineConfig config;
    config.auto_window = 2000;
    DissectorEngine engine(selector_of("auto"), recorder, config);
    Driver driver(engine, make_flow());
    std::string line = std::string(99, 'q') + "\n";
    for (int i = 0; i < 30; ++i)
        driver.send(model::Direction::c2s, line);
    REQUIRE(recorder.choices.size() == 1); // c2s decided before the flow closed
    CHECK(recorder.choices[0].spec == "delim:\\n");
    CHECK(recorder.messages.size() >= 20);
    CHECK(engine.buffered_bytes() < 4096);
    driver.close();
    CHECK(recorder.messages.size() == 30);
}
