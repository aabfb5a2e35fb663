#include "capture/pcapng_file_reader.hpp"

#include <algorithm>

namespace sniff::capture {

namespace {

constexpr std::uint32_t k_section_header = 0x0A0D0D0A; // reads the same in both byte orders
constexpr std::uint32_t k_interface_description = 1;
constexpr std::uint32_t k_obsolete_packet = 2;
constexpr std::uint32_t k_simple_packet = 3;
constexpr std::uint32_t k_enhanced_packet = 6;
constexpr std::uint32_t k_byte_order_magic = 0x1A2B3C4D;

constexpr std::size_t k_block_overhead = 12; // type, leading and trailing length
constexpr std::size_t k_section_header_body = 16;
constexpr std::size_t k_interface_description_body = 8;

constexpr std::uint16_t k_opt_end = 0;
constexpr std::uint16_t k_if_tsresol = 9;
constexpr std::uint16_t k_if_tsoffset = 14;

constexpr std::uint64_t k_ns_per_second = 1'000'000'000;

std::uint64_t power_of_ten(unsigned exponent) {
    std::uint64_t value = 1;
    for (unsigned i = 0; i < exponent; ++i)
        value *= 10;
    return value;
}

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

} // namespace

std::unique_ptr<FileReader> PcapngFileReader::create(std::unique_ptr<InputBuffer> input,
                                                     CaptureError& error) {
    auto reader = std::make_unique<PcapngFileReader>(std::move(input));
    RawPacket scratch;
    // The first block must be a readable section header, or this is not a file we can read.
    if (reader->step(scratch) != Step::skipped) {
        error = reader->m_error.value_or(CaptureError{"empty pcapng file", 0});
        return nullptr;
    }
    reader->look_ahead_for_interface();
    return reader;
}

// first_link_type() must be known before any packet is read (BPF filters are compiled from
// it), so walk the leading blocks once and then start over. Damage found here is reported
// again, at the same offset, by the real pass.
void PcapngFileReader::look_ahead_for_interface() {
    RawPacket scratch;
    while (m_interfaces.empty() && step(scratch) == Step::skipped) {
    }
    if (!m_interfaces.empty()) {
        m_first_link_type = m_interfaces.front().link_type;
        if (m_interfaces.front().snap_length != 0)
            m_first_snap_length = m_interfaces.front().snap_length;
    }
    m_pos = 0;
    m_frame = 0;
    m_error.reset();
    m_interfaces.clear();
    m_little_endian = true;
}

bool PcapngFileReader::next(RawPacket& packet) {
    release_consumed();
    for (;;) {
        switch (step(packet)) {
        case Step::packet:
            return true;
        case Step::skipped:
            continue;
        case Step::end:
        case Step::failed:
            return false;
        }
    }
}

PcapngFileReader::Step PcapngFileReader::step(RawPacket& packet) {
    if (m_error)
        return Step::failed;
    const std::size_t offset = m_pos;
    // The header first (type, length, a section header's byte-order magic), then the block.
    const util::Bytes head = bytes_from(offset, k_block_overhead);
    util::ByteReader block(head);
    if (block.remaining() == 0)
        return Step::end;
    if (!block.has(k_block_overhead)) {
        fail("truncated block header", offset);
        return Step::failed;
    }
    const std::uint32_t raw_type = block.read_le32();
    if (raw_type == k_section_header) {
        // A section header sets the byte order for itself and everything up to the next one;
        // the byte-order magic follows the length field.
        util::ByteReader magic(head.subspan(8));
        const std::uint32_t as_little = magic.read_le32();
        if (as_little == k_byte_order_magic) {
            m_little_endian = true;
        } else if (__builtin_bswap32(as_little) == k_byte_order_magic) {
            m_little_endian = false;
        } else {
            fail("bad byte-order magic in section header block", offset);
            return Step::failed;
        }
    }
    const std::uint32_t type = m_little_endian ? raw_type : __builtin_bswap32(raw_type);
    const std::uint32_t length = block.read_u32(m_little_endian);
    if (length < k_block_overhead || length % 4 != 0) {
        fail("bad pcapng block length " + number(length), offset);
        return Step::failed;
    }
    // As for pcap records: a block this long is damage, and a stream must not buffer for it.
    if (length > k_max_capture_length + 4096) {
        fail("absurd pcapng block length " + number(length), offset);
        return Step::failed;
    }
    block = util::ByteReader(bytes_from(offset, length));
    block.skip(8);
    // length >= 12 here, and 8 bytes of it have been read.
    if (length - 8 > block.remaining()) {
        fail("truncated block: " + number(length) + " bytes declared, " +
                 number(block.remaining() + 8) + " remain",
             offset);
        return Step::failed;
    }
    const util::ByteReader body(block.take(length - k_block_overhead));
    const std::uint32_t trailer = block.read_u32(m_little_endian);
    if (trailer != length) {
        fail("block trailing length " + number(trailer) + " differs from leading length " +
                 number(length),
             offset);
        return Step::failed;
    }

    bool ok = true;
    Step result = Step::skipped;
    switch (type) {
    case k_section_header:
        ok = section_header(offset, body);
        break;
    case k_interface_description:
        ok = interface_description(offset, body);
        break;
    case k_enhanced_packet:
    case k_obsolete_packet:
        ok = enhanced_packet(offset, body, type == k_obsolete_packet, packet);
        result = Step::packet;
        break;
    case k_simple_packet:
        ok = simple_packet(offset, body, packet);
        result = Step::packet;
        break;
    default: // statistics, name resolution, secrets, custom and unknown blocks
        break;
    }
    if (!ok)
        return Step::failed;
    m_pos = offset + length;
    return result;
}

bool PcapngFileReader::section_header(std::size_t offset, util::ByteReader body) {
    if (!body.has(k_section_header_body))
        return fail("section header block too short", offset);
    body.skip(4); // byte-order magic, already checked
    const std::uint16_t major = body.read_u16(m_little_endian);
    const std::uint16_t minor = body.read_u16(m_little_endian);
    if (major != 1)
        return fail("unsupported pcapng version " + number(major) + "." + number(minor), offset);
    // The section length is advisory (often -1); blocks are walked one by one instead.
    m_interfaces.clear();
    return true;
}

bool PcapngFileReader::interface_description(std::size_t offset, util::ByteReader body) {
    if (!body.has(k_interface_description_body))
        return fail("interface description block too short", offset);
    Interface interface;
    interface.link_type = body.read_u16(m_little_endian);
    body.skip(2); // reserved
    interface.snap_length = body.read_u32(m_little_endian);
    if (!interface_options(offset, body, interface))
        return false;
    m_interfaces.push_back(interface);
    return true;
}

bool PcapngFileReader::interface_options(std::size_t offset, util::ByteReader options,
                                         Interface& interface) {
    // Fewer than 4 bytes left cannot hold an option header; such slack is ignored.
    while (options.remaining() >= 4) {
        const std::uint16_t code = options.read_u16(m_little_endian);
        const std::uint16_t length = options.read_u16(m_little_endian);
        if (code == k_opt_end)
            break;
        const std::size_t padded = (static_cast<std::size_t>(length) + 3) & ~std::size_t{3};
        if (!options.has(padded))
            return fail("interface option " + number(code) + " overruns its block", offset);
        util::ByteReader value(options.take(padded).first(length));
        if (code == k_if_tsresol) {
            if (length != 1)
                return fail("bad if_tsresol option length " + number(length), offset);
            interface.scale = scale_for(value.read_u8());
        } else if (code == k_if_tsoffset) {
            if (length != 8)
                return fail("bad if_tsoffset option length " + number(length), offset);
            // Signed seconds; unsigned multiplication wraps exactly like two's complement.
            interface.offset_ns = value.read_u64(m_little_endian) * k_ns_per_second;
        }
    }
    return true;
}

bool PcapngFileReader::enhanced_packet(std::size_t offset, util::ByteReader body, bool obsolete,
                                       RawPacket& packet) {
    const char* name = obsolete ? "packet block" : "enhanced packet block";
    std::uint32_t interface_id = 0;
    if (obsolete) {
        interface_id = body.read_u16(m_little_endian);
        body.skip(2); // drops count
    } else {
        interface_id = body.read_u32(m_little_endian);
    }
    const std::uint64_t high = body.read_u32(m_little_endian);
    const std::uint64_t low = body.read_u32(m_little_endian);
    const std::uint32_t captured = body.read_u32(m_little_endian);
    const std::uint32_t original = body.read_u32(m_little_endian);
    if (!body.ok())
        return fail(std::string(name) + " too short", offset);
    if (interface_id >= m_interfaces.size())
        return fail(std::string(name) + " references unknown interface " + number(interface_id) +
                        " (section has " + number(m_interfaces.size()) + ")",
                    offset);
    if (captured > body.remaining())
        return fail(std::string(name) + " captured length " + number(captured) +
                        " exceeds the block",
                    offset);
    const Interface& interface = m_interfaces[interface_id];
    packet.frame = ++m_frame;
    packet.time = static_cast<model::Timestamp>(interface.scale.to_ns(high << 32 | low) +
                                                interface.offset_ns);
    packet.link_type = interface.link_type;
    packet.interface_id = interface_id;
    packet.original_length = std::max(original, captured);
    packet.data = body.take(captured);
    packet.stable = m_input->is_mapped();
    return true;
}

bool PcapngFileReader::simple_packet(std::size_t offset, util::ByteReader body, RawPacket& packet) {
    const std::uint32_t original = body.read_u32(m_little_endian);
    if (!body.ok())
        return fail("simple packet block too short", offset);
    if (m_interfaces.empty())
        return fail("simple packet block without an interface in its section", offset);
    const Interface& interface = m_interfaces.front();
    // The block carries no captured length: it is the original length cut by the snap length
    // and by the block itself (whose end may hold padding).
    std::size_t captured = std::min<std::size_t>(original, body.remaining());
    if (interface.snap_length != 0)
        captured = std::min<std::size_t>(captured, interface.snap_length);
    packet.frame = ++m_frame;
    packet.time = 0;
    packet.link_type = interface.link_type;
    packet.interface_id = 0;
    packet.original_length = original;
    packet.data = body.take(captured);
    packet.stable = m_input->is_mapped();
    return true;
}

PcapngFileReader::TimeScale PcapngFileReader::scale_for(std::uint8_t tsresol) {
    TimeScale scale;
    const unsigned exponent = tsresol & 0x7F;
    if ((tsresol & 0x80) != 0) {
        scale.kind = TimeScale::Kind::binary;
        scale.shift = static_cast<std::uint8_t>(exponent);
    } else if (exponent <= 9) {
        scale.kind = TimeScale::Kind::multiply;
        scale.factor = power_of_ten(9 - exponent);
    } else if (exponent - 9 <= 19) { // 10^19 is the largest power of ten in 64 bits
        scale.kind = TimeScale::Kind::divide;
        scale.factor = power_of_ten(exponent - 9);
    } else {
        scale.kind = TimeScale::Kind::zero; // units finer than 10^-28 s: always 0 ns
    }
    return scale;
}

std::uint64_t PcapngFileReader::TimeScale::to_ns(std::uint64_t units) const {
    __extension__ using Wide = unsigned __int128;
    switch (kind) {
    case Kind::multiply:
        return units * factor;
    case Kind::divide:
        return units / factor;
    case Kind::binary: // shift <= 127, and units * 1e9 < 2^94: no overflow in 128 bits
        return static_cast<std::uint64_t>((static_cast<Wide>(units) * k_ns_per_second) >> shift);
    case Kind::zero:
        break;
    }
    return 0;
}

} // namespace sniff::capture
