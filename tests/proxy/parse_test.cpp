#include "proxy/proxy_spec.hpp"
#include "proxy/rechunk.hpp"

#include <catch2/catch.hpp>
#include <numeric>

using namespace sniff;
using namespace sniff::proxy;

TEST_CASE("proxy spec parses every accepted form", "[proxy]") {
    ProxySpec spec;
    std::string error;
    REQUIRE(parse_proxy_spec("9000:127.0.0.1:8080", spec, error));
    CHECK(spec.protocol == model::Protocol::tcp);
    CHECK(spec.listen_address == "127.0.0.1"); // loopback unless asked otherwise
    CHECK(spec.listen_port == 9000);
    CHECK(spec.target_host == "127.0.0.1");
    CHECK(spec.target_port == 8080);

    REQUIRE(parse_proxy_spec("udp:0.0.0.0:53:dns.example:5353", spec, error));
    CHECK(spec.protocol == model::Protocol::udp);
    CHECK(spec.listen_address == "0.0.0.0");
    CHECK(spec.target_host == "dns.example");
    CHECK(spec.target_port == 5353);

    REQUIRE(parse_proxy_spec("tcp:[::1]:9000:[2001:db8::1]:80", spec, error));
    CHECK(spec.listen_address == "::1");
    CHECK(spec.target_host == "2001:db8::1");
    CHECK(spec.to_string() == "tcp:[::1]:9000:[2001:db8::1]:80");
}

TEST_CASE("proxy spec errors name the bad part", "[proxy]") {
    ProxySpec spec;
    spec.target_host = "unchanged";
    std::string error;
    auto fails_with = [&](const std::string& text, const std::string& part) {
        error.clear();
        const bool ok = parse_proxy_spec(text, spec, error);
        INFO(text << " -> " << error);
        CHECK_FALSE(ok);
        CHECK(error.find(part) != std::string::npos);
    };
    fails_with("9000:db:80x", "bad target port \"80x\"");
    fails_with("70000:db:80", "bad listen port \"70000\"");
    fails_with("0:db:80", "bad listen port \"0\"");
    fails_with("1.2.3:9000:db:80", "bad listen address \"1.2.3\"");
    fails_with("[1.2.3.4]:9000:db:80", "bad listen address");
    fails_with("9000:[db:80", "unclosed '['");
    fails_with("9000:80", "expected [tcp:|udp:]");
    fails_with("sctp:1:9000:db:80", "expected [tcp:|udp:]");
    fails_with("9000::80", "bad target host");
    CHECK(spec.target_host == "unchanged"); // failures leave the output alone
}

TEST_CASE("rechunk values parse per direction", "[proxy]") {
    RechunkPair pair{};
    std::string error;
    REQUIRE(parse_rechunk("fixed:3", pair, error));
    CHECK(pair[0].to_string() == "fixed:3");
    CHECK(pair[1].to_string() == "fixed:3");
    REQUIRE(parse_rechunk("s2c=random:2-9", pair, error));
    CHECK(pair[0].to_string() == "fixed:3");
    CHECK(pair[1].to_string() == "random:2-9");
    REQUIRE(parse_rechunk("c2s=coalesce:10:4096", pair, error));
    CHECK(pair[0].coalesce_ms == 10);
    CHECK(pair[0].coalesce_bytes == 4096);
    REQUIRE(parse_rechunk("1", pair, error));
    CHECK(pair[0].mode == RechunkMode::fixed);
    CHECK(pair[1].max_size == 1);
    REQUIRE(parse_rechunk("adversarial", pair, error));
    CHECK(pair[1].mode == RechunkMode::adversarial);

    for (const char* bad : {"fixed:0", "fixed:", "random:5-2", "random:0-3", "random:4",
                            "coalesce:0", "coalesce:5:x", "slice", "1:2", "c2s=", "both=1"}) {
        INFO(bad);
        const auto before = pair;
        CHECK_FALSE(parse_rechunk(bad, pair, error));
        CHECK_FALSE(error.empty());
        CHECK(pair[0].to_string() == before[0].to_string());
    }
}

namespace {

std::vector<std::size_t> plan(Rechunker& rechunker, std::size_t size) {
    std::vector<std::byte> data(size);
    std::vector<std::size_t> sizes;
    rechunker.plan(util::Bytes(data.data(), data.size()), sizes);
    CHECK(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}) == size);
    return sizes;
}

} // namespace

TEST_CASE("rechunker splits reads as each mode says", "[proxy]") {
    SECTION("fixed:N cuts N-byte writes, the last one shorter") {
        Rechunker rechunker({RechunkMode::fixed, 4, 4, 0, 0}, 1, nullptr);
        CHECK(plan(rechunker, 10) == std::vector<std::size_t>{4, 4, 2});
        CHECK(plan(rechunker, 0).empty());
    }
    SECTION("random:A-B stays within bounds and replays with the same seed") {
        Rechunker first({RechunkMode::random, 2, 5, 0, 0}, 42, nullptr);
        Rechunker again({RechunkMode::random, 2, 5, 0, 0}, 42, nullptr);
        Rechunker other({RechunkMode::random, 2, 5, 0, 0}, 43, nullptr);
        const auto sizes = plan(first, 1000);
        for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
            CHECK((sizes[i] >= 2 && sizes[i] <= 5));
        CHECK(plan(again, 1000) == sizes);
        CHECK(plan(other, 1000) != sizes);
        CHECK(direction_seed(7, 1, model::Direction::c2s) !=
              direction_seed(7, 1, model::Direction::s2c));
        CHECK(direction_seed(7, 1, model::Direction::c2s) ==
              direction_seed(7, 1, model::Direction::c2s));
    }
    SECTION("none and coalesce forward a read whole") {
        Rechunker none({}, 1, nullptr);
        CHECK(plan(none, 77) == std::vector<std::size_t>{77});
    }
    SECTION("adversarial without framing cuts after the first byte, mid-way, before the last") {
        Rechunker rechunker({RechunkMode::adversarial, 0, 0, 0, 0}, 1, nullptr);
        CHECK(plan(rechunker, 10) == std::vector<std::size_t>{1, 4, 4, 1});
        CHECK(plan(rechunker, 2) == std::vector<std::size_t>{1, 1});
        CHECK(plan(rechunker, 1) == std::vector<std::size_t>{1});
    }
    SECTION("adversarial follows a planner and ignores cuts out of order or range") {
        struct Planner : CutPlanner {
            void plan(util::Bytes, std::vector<std::size_t>& cuts) override {
                cuts.insert(cuts.end(), {3, 2, 5, 5, 40});
            }
        };
        Rechunker rechunker({RechunkMode::adversarial, 0, 0, 0, 0}, 1, std::make_unique<Planner>());
        CHECK(plan(rechunker, 8) == std::vector<std::size_t>{3, 2, 3});
    }
}
