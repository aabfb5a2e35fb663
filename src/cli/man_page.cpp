#include "cli/man_page.hpp"

#include "cli/option_table.hpp"
#include "cli/peer_args.hpp"
#include "dissectors/spec.hpp"

#include <array>

namespace sniff::cli {

namespace {

// Text for roff: a backslash is \e, a minus is \- (so options copy and paste), and a line that
// would start with a control character is guarded with \&.
std::string roff(std::string_view text) {
    std::string out;
    bool line_start = true;
    for (const char c : text) {
        if (line_start && (c == '.' || c == '\''))
            out += "\\&";
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

// ".TP" then "\fB-r\fR \fIFILE\fR" then the help, one paragraph per help line.
std::string option_item(std::string_view names, std::string_view value, std::string_view help) {
    std::string text = ".TP\n\\fB" + roff(names) + "\\fR";
    if (!value.empty())
        text += " \\fI" + roff(value) + "\\fR";
    text += "\n";
    for (;;) {
        const auto end = help.find('\n');
        text += roff(help.substr(0, end)) + "\n";
        if (end == std::string_view::npos)
            return text;
        text += ".br\n";
        help.remove_prefix(end + 1);
    }
}

constexpr std::array<std::pair<OptionGroup, const char*>, 6> k_groups{{
    {OptionGroup::sources, "Sources"},
    {OptionGroup::proxy, "Proxy"},
    {OptionGroup::replay, "Replay"},
    {OptionGroup::analysis, "Analysis"},
    {OptionGroup::output, "Output"},
    {OptionGroup::general, "General"},
}};

constexpr const char* k_head =
    R"(.TH SNIFF 1 ")" SNIFF_MAN_DATE R"(" "sniff )" SNIFF_VERSION R"(" "User Commands"
.SH NAME
sniff \- see where TCP segments and recv() chunks fall against your messages
.SH SYNOPSIS
.B sniff demo
.br
.B sniff \-r
.I FILE
.RI [ options ]\ [ FILTER ]
.br
.B sniff \-i
.I IFACE
.RI [ options ]\ [ FILTER ]
.br
.B sniff \-\-proxy
.RI [tcp:|udp:][ ADDR :] PORT : HOST : PORT
.RI [ options ]
.br
.B sniff exec
.RI [ options ]\ [\-\-]\  CMD\ [ ARGS ...]
.br
.B sniff replay
.I FILE
.B \-\-to
.IR HOST : PORT
.RI [ options ]\ [ FILTER ]
.br
.B sniff serve
.RI [ options ]
.br
.B sniff client
.IR HOST : PORT
.RI [ options ]
.SH DESCRIPTION
.B sniff
reads pcap and pcapng captures, live captures and the recv() chunks of its own proxy or of a
program it runs, reassembles each TCP stream exactly, finds the application's messages in it with
a framing (length prefix, JSON header, delimiter, a protocol preset or \fBauto\fR) and classes
each message as whole, coalesced (sharing a segment or chunk with others) or split (spread over
several).
Trailing words after the options form a BPF capture filter, as with tcpdump.
An option that none of the chosen sources uses is a usage error, never silently ignored.
.SH COMMANDS
.TP
.B demo
The sticky\-packet story on this machine, no set\-up: the article's experiments on free
127.0.0.1 ports, with sniff's proxy in front of each receiver.
.TP
.B exec
Run \fICMD\fR with a preload library and watch its own socket calls (recv, send, ...) against
the messages; \fB\-i\fR \fIIFACE\fR beside it shows the wire.
.TP
.B replay
Send the client side of captured flows of \fIFILE\fR to a live server (\fB\-\-to\fR), turn by
turn and re\-chunked as asked, and compare each answer with the captured one; with
\fB\-\-side server\fR answer a live client with the captured answers instead.
Exit status 1 when an answer differed, was missing or extra, or a connection failed.
.TP
.B serve
The article's command server (built\-in commands; try \fBhelp\fR).
.TP
.B client
The article's command client; without \fB\-e\fR or \fB\-\-upload\fR it is interactive.
.PP
\fBsniff\fR \fICOMMAND\fR \fB\-\-help\fR prints the options of that command.
.SH OPTIONS
)";

std::string main_options() {
    std::string text;
    for (const auto& [group, title] : k_groups) {
        text += ".SS " + std::string(title) + "\n";
        for (const auto& row : option_rows())
            if (row.group == group)
                text += option_item(row.names, row.value, row.help);
    }
    return text;
}

std::string peer_options(const char* title, const std::vector<OptionDoc>& docs) {
    std::string text = ".SS " + std::string(title) + "\n";
    for (const auto& doc : docs)
        text += option_item(doc.names, doc.value, doc.help);
    return text;
}

constexpr const char* k_spec_families = R"(.SH FRAMING SPECS
\fB\-\-framing\fR \fISPEC\fR applies to every flow, \fB\-\-framing\fR \fIPORT\fR=\fISPEC\fR to the
flows to that server port.
A \fISPEC\fR is a family with comma\-separated parameters, or a preset.
.TP
.B raw
No framing: segments only (TCP), datagrams (UDP).
.TP
.B auto
Guess the framing per flow direction.
.TP
.BR len: off=\fIN\fR,size=1|2|3|4|8|varint,be|le,signed,adj=\(+-\fIN\fR,max=\fIN\fR
A length prefix: a message is off + size + value + adj bytes (defaults: be, unsigned, off=0,
size=4, adj=0).
.TP
.BR json: size=1|2|4|8,be|le,field=\fINAME\fR,hmax=\fIN\fR,max=\fIN\fR
A header length, a JSON header, then a body of header[field] bytes; field defaults to the first
of data_size, file_size, length, size.
.TP
.BR delim: \fISEP\fR,max=\fIN\fR
Messages end with \fISEP\fR (C escapes \en \er \et \e0 \e\e \exNN; a comma is \ex2c).
.TP
.BR ascii\-len [:ack=\fITEXT\fR,max=\fIN\fR]
Decimal length text, then (with ack) the peer's \fITEXT\fR, then the body.
.TP
.BR pgsql ", " resp ", " memcache\-text ", " http ", " websocket ", " http2 " [:max=\fIN\fR]"
PostgreSQL, Redis RESP, memcached text, HTTP/1.x (then WebSocket, HTTP/2 or a tunnel after an
upgrade), WebSocket frames, HTTP/2 frames.
.PP
Presets (\fBsniff \-\-list\-framings\fR prints them with their expansion):
)";

std::string presets() {
    std::string text;
    for (const auto& preset : dissect::preset_list())
        text += ".TP\n.B " + roff(preset.name) + "\n" + roff(preset.expansion) + ": " +
                roff(preset.description) + "\n";
    return text;
}

constexpr const char* k_tail = R"(.SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 1
A runtime error (a bad file, an interface that cannot be opened, ...).
.TP
.B 2
A usage error.
.SH EXAMPLES
.TP
.B sniff demo
Watch sticky packets happen on this machine.
.TP
.B sniff \-r capture.pcap \-\-framing 9000=len:size=4 tcp port 9000
Map 4\-byte length\-prefixed messages onto the segments of a capture.
.TP
.B sniff \-i lo \-\-framing auto \-\-no\-tui
Watch the loopback interface live, guessing each flow's framing, as text.
.TP
.B sniff \-\-proxy 8000:127.0.0.1:9000 \-\-framing struct
Proxy port 8000 to 127.0.0.1:9000 and class the messages of each recv() chunk.
.TP
.B sniff exec \-\-framing resp \-\- redis\-cli ping
Run redis\-cli and watch its own recv() and send() calls against RESP messages.
.SH FILES
.TP
.I ../lib/sniff/libsniff\-preload.so
The preload library \fBsniff exec\fR puts into the program it runs, found beside the binary or in
\fI../lib/sniff/\fR relative to it.
.SH SEE ALSO
.BR tcpdump (1),
.BR tshark (1),
.BR pcap\-filter (7)
)";

} // namespace

std::string man_page() {
    return std::string(k_head) + main_options() + peer_options("sniff serve", serve_option_docs()) +
           peer_options("sniff client", client_option_docs()) + k_spec_families + presets() +
           k_tail;
}

} // namespace sniff::cli
