// Length-prefixed binary protocols of real servers: MariaDB's MySQL packets, mosquitto's MQTT
// control packets and memcached's binary protocol. sniff's message counts per direction equal the
// PDUs tshark's own dissectors find in the same capture.

#include "protocols/datastore_captures.hpp"
#include "protocols/harness.hpp"
#include "protocols/scratch.hpp"

#include <catch2/catch.hpp>

using namespace sniff::protocols;

namespace {

// sniff with the capture's preset against tshark's count of `field` (one occurrence per PDU).
void compare_with_tshark(const ProtocolCapture& capture, const std::string& dissector,
                         const std::string& field, long at_least_c2s, long at_least_s2c) {
    const auto sniff = sniff_report(capture.file, capture.framing());
    const auto tshark =
        count_occurrences(tshark_frames(capture.file, capture.port, dissector, field));
    INFO(capture.name << ": sniff --framing " << capture.framing() << " complete " << sniff.complete
                      << ", other " << sniff.other << "; tshark " << field << " " << tshark
                      << "; SNIFF_KEEP=1 keeps " << capture.file);
    CHECK(tshark.c2s >= at_least_c2s);
    CHECK(tshark.s2c >= at_least_s2c);
    CHECK(sniff.complete == tshark);
    CHECK(sniff.other.total() == 0);
    CHECK(sniff.skipped_bytes == 0);
}

} // namespace

TEST_CASE("mysql counts the packets tshark finds between mariadbd and the mariadb client",
          "[protocols][mysql]") {
    Scratch dir("mysql");
    const auto capture = capture_mysql(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    // Two connections: login, 3 queries and quit; login, a failing query and quit. The answers
    // carry one packet per column definition and row (50 rows, one of 100 KB).
    compare_with_tshark(capture, "mysql", "mysql.packet_length", 5 + 3, 50 + 2);
}

TEST_CASE("mqtt counts the control packets tshark finds between mosquitto and its clients",
          "[protocols][mqtt]") {
    Scratch dir("mqtt");
    const auto capture = capture_mqtt(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    // 5 publishing connections (CONNECT, PUBLISH..., DISCONNECT): 3 + 50 + 1 publishes, PUBREL
    // for QoS 2; CONNACK, PUBACK, PUBREC, PUBCOMP and the subscriber's deliveries back.
    compare_with_tshark(capture, "mqtt", "mqtt.hdrflags", 5 * 2 + 54, 5 + 50);
}

TEST_CASE("memcache-bin counts the packets tshark finds between memcached and --binary clients",
          "[protocols][memcached]") {
    Scratch dir("memcached-binary");
    const auto capture = capture_memcached_binary(dir.path());
    if (!capture.skip.empty()) {
        WARN(capture.skip);
        return;
    }
    // 2 sets, 2 gets, exist, touch, delete, stat (each client may add a version or quit).
    compare_with_tshark(capture, "memcache", "memcache.magic", 8, 8);
}
